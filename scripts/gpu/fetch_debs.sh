#!/usr/bin/env bash
# Downloads, on a Debian 12 machine with apt, the packages hwnas needs
# besides LibTorch, for a GPU machine that has PyTorch but no package
# manager access (scripts/gpu/check.sh unpacks them there with dpkg -x).
# Left out: what such a machine has already (the C/C++ runtime, the
# toolchain, base libraries), Debian's own LibTorch, and all but one BLAS.
#
#   scripts/gpu/fetch_debs.sh DIR
# writes DIR/deps (the libraries and tools, about 42 MB) and DIR/data
# (Fashion-MNIST, 30 MB): two carries, when one may hold 64 MiB at most.
set -euo pipefail
DIR=${1:?usage: scripts/gpu/fetch_debs.sh DIR}
mkdir -p "$DIR/deps" "$DIR/data"
WANT=(
  cmake ninja-build pkg-config
  nlohmann-json3-dev libeigen3-dev libyaml-cpp-dev libcli11-dev zlib1g-dev libcpp-httplib-dev
  libonnx-dev libopencv-dnn-dev libgtest-dev libbenchmark-dev libgloo-dev
  jq
)
# Present on Ubuntu 24.04 in newer versions (an older copy on the library
# path would shadow them), not needed to build or run, or BLAS alternatives.
SKIP='^(libc6|libc6-dev|libc-dev-bin|libgcc-s1|libstdc\+\+6|gcc-.*-base|libcrypt1|libcrypt-dev|dpkg|debconf|cdebconf|adduser|passwd|tar|install-info|init-system-helpers|perl.*|libperl.*|.*-perl|libgl.*|libdrm.*|libllvm.*|mesa.*|libx11.*|libxcb.*|libx.*|libwayland.*|libgomp1|libselinux1|libpam.*|libaudit.*|libsystemd0|libelogind0|libudev1|libzstd1|liblzma5|libbz2-1.0|zlib1g|libtinfo6|libncursesw6|libgmp10|libffi8|libexpat1|libssl3|libgnutls30|libdb5.3|libgdbm.*|libnsl.*|libtirpc.*|linux-libc-dev|rpcsvc-proto|libdebian-installer4|libnewt0.52|libslang2|libtextwrap1|libsensors.*|libpciaccess0|libz3-4|libedit2|libbsd0|libmd0|libicu72|libxml2|libblis.*|libatlas.*|libopenblas0.*)$'
mapfile -t PKGS < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${WANT[@]}" | grep '^[a-z0-9]' | sort -u | grep -Ev "$SKIP")
(cd "$DIR/deps" && apt-get download "${PKGS[@]}" >/dev/null)
(cd "$DIR/data" && apt-get download dataset-fashion-mnist >/dev/null)
echo "fetch_debs: ${#PKGS[@]} packages, $(du -sh "$DIR/deps" | cut -f1) in $DIR/deps;" \
  "Fashion-MNIST $(du -sh "$DIR/data" | cut -f1) in $DIR/data" >&2
