#!/usr/bin/env bash
# Installs hwnas's build dependencies from Debian's packages and builds it
# into build/. Safe to run again: apt-get and the build are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev                # tensors, autograd, nn, optim
  libgloo-dev                 # c10d's Gloo headers: data-parallel training across processes
  nlohmann-json3-dev          # JSON
  libeigen3-dev               # dense linear algebra of the closed-form latency predictors
  libyaml-cpp-dev             # YAML configs
  libcli11-dev                # command line
  zlib1g-dev                  # .gz dataset files
  libcpp-httplib-dev          # remote profiling agent
  libonnx-dev                 # ONNX export (protobuf types, checker)
  libopencv-dnn-dev           # OpenCV DNN: the second runtime and the opencv target
  libgtest-dev libbenchmark-dev
  dataset-fashion-mnist       # the default data set
  gnuplot-nox                 # report plots
  jq                          # the smoke tests read the run's JSON records
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "hwnas setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$(nproc)"
