#!/usr/bin/env bash
# Fuzzing and sanitizers: builds the torch-free core and readers, their unit
# tests and the fuzz targets (fuzz/) with clang, libFuzzer, ASan and UBSan
# into build-fuzz/, runs the unit tests there, then every target for SECONDS
# (default 20) from its seed corpus (fuzz/corpus/<target>/). A crash, a
# hang, an uncaught exception or a sanitizer report fails. CI runs it.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-20}
# The torch-free part's own needs, so the script also runs on its own.
PACKAGES=(clang libclang-rt-14-dev cmake ninja-build nlohmann-json3-dev libeigen3-dev libyaml-cpp-dev libcli11-dev
          zlib1g-dev libgtest-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHWNAS_FUZZ=ON >/dev/null
cmake --build build-fuzz --parallel "$(nproc)"
echo "== unit tests of the core under ASan + UBSan =="
build-fuzz/hwnas_core_tests --gtest_brief=1
for target in build-fuzz/fuzz_*; do
  name=$(basename "$target")
  corpus=$(mktemp -d)
  cp -r "fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
  echo "== $name: ${SECONDS_PER_TARGET} s =="
  "$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/$name-" "$corpus" 2>&1 | grep -E "^stat::number_of_executed_units|ERROR|crash|Done" || true
  "$target" -runs=0 "$corpus" >/dev/null 2>&1  # re-run the corpus: fails on any crash it holds
  for f in build-fuzz/"$name"-crash-* build-fuzz/"$name"-timeout-* build-fuzz/"$name"-oom-*; do
    [ -e "$f" ] && { echo "fuzz: $name found a failure: $f (replay: $target $f)"; exit 1; }
  done
  rm -rf "$corpus"
done
echo "fuzz: ok"
