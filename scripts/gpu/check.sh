#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU and a PyTorch install but no
# package manager, build hwnas against PyTorch's LibTorch, run the CUDA
# tests, profile and validate a CUDA latency table, time training on the GPU
# against the CPU, and retrain a run's pick and baselines to convergence on
# the GPU. Its other dependencies are Debian 12's packages, fetched where apt
# works by scripts/gpu/fetch_debs.sh and unpacked here with dpkg -x.
#
#   scripts/gpu/check.sh PHASE...     phases, in order:
#     deps DIR     unpack DIR's .deb files into build-gpu/prefix (DIR/deps, then DIR/data)
#     build        configure and build into build-gpu against PyTorch's LibTorch
#     test         the unit tests, the CUDA ones included (they skip without a GPU)
#     latency      profile the hsconas space on cuda:0, validate LUT + bias and the learned predictors
#     throughput   supernet and stand-alone training, GPU against CPU (images/s)
#     finals RUN   RUN's pick, baselines and random archs retrained on the GPU (FINAL_EPOCHS
#                  epochs over all 55,000 search-train images, FINAL_SEEDS seeds each)
#
# Every phase writes its output and timing under $OUT (default gpu_check)
# and the next phase runs even when one fails. Each phase needs the ones
# before it on this machine (build-gpu persists), so phases can run in
# separate calls, e.g. when the packages and the data arrive separately.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-gpu_check}
PREFIX=$ROOT/build-gpu/prefix
FINAL_EPOCHS=${FINAL_EPOCHS:-30}
FINAL_SEEDS=${FINAL_SEEDS:-3}
mkdir -p "$OUT" "$PREFIX"
OUT=$(cd "$OUT" && pwd)

log() { echo "[$(date +%T)] $*" | tee -a "$OUT/check.log" >&2; }
# step NAME CMD...: runs CMD with its output in $OUT/NAME.log and its exit
# status and seconds in $OUT/steps.txt.
step() {
  local name=$1 t0=$SECONDS rc
  shift
  log "$name: $*"
  "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  log "$name: exit $rc after $((SECONDS - t0)) s"
  echo "$name $rc $((SECONDS - t0))" >>"$OUT/steps.txt"
  return $rc
}

# The unpacked packages: tools, libraries, pkg-config files, CMake configs,
# and Fashion-MNIST where hwnas looks for it.
LIB=$PREFIX/usr/lib/x86_64-linux-gnu
export PATH=$PREFIX/usr/bin:$PATH
export PKG_CONFIG_PATH=$LIB/pkgconfig:$PREFIX/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$PREFIX
export LD_LIBRARY_PATH=$LIB:$LIB/blas:$LIB/lapack${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export HWNAS_FASHION_MNIST=${HWNAS_FASHION_MNIST:-$PREFIX/usr/share/datasets/fashion-mnist}
HWNAS=$ROOT/build-gpu/hwnas

unpack() {
  local n=0
  for d in "$1"/*.deb; do
    dpkg -x "$d" "$PREFIX" && n=$((n + 1))
  done
  echo "unpacked $n packages from $1 into $PREFIX"
  ((n > 0))
}

configure_and_build() {
  local torch_prefix generator=()
  torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') || return 1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count())'
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  command -v ninja >/dev/null && generator=(-G Ninja)
  # A build that fails with NCCL (its headers vary between releases) is
  # retried without it: Gloo then carries the GPU tensors.
  for nccl in ON OFF; do
    cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DHWNAS_NCCL=$nccl \
      -DCMAKE_PREFIX_PATH="$torch_prefix;$PREFIX/usr" && cmake --build build-gpu --parallel "$(nproc)" && return 0
    echo "build with HWNAS_NCCL=$nccl failed"
  done
  return 1
}

run_tests() {
  build-gpu/hwnas_core_tests --gtest_brief=1 && build-gpu/hwnas_torch_tests --gtest_brief=1
}

latency() {
  local dir=$OUT/latency
  mkdir -p "$dir"
  "$HWNAS" profile --space hsconas --target cuda:0 --out "$dir/lut.json" --bias-archs 20 --statistic min \
    --repetitions 41 --min-time 1ms &&
    "$HWNAS" latency validate --space hsconas --lut "$dir/lut.json" --fit 100 --archs 100 --json >"$dir/validate.json" &&
    "$HWNAS" latency validate --space hsconas --lut "$dir/lut.json" --fit 100 --archs 100
}

# Images per second of the same training on the GPU and on every CPU core:
# the supernet (one path a step) and one stand-alone network.
throughput() {
  local dir=$OUT/throughput
  rm -rf "$dir" && mkdir -p "$dir"
  for device in cuda cpu; do
    "$HWNAS" train --device $device --epochs 1 --limit 20000 --run-dir "$dir/supernet_$device" &&
      "$HWNAS" retrain --device $device --epochs 1 --limit 20000 --arch largest --run-dir "$dir/standalone_$device" ||
      return 1
  done
  grep -h '"images_per_s"' "$dir"/*/*.json
}

# The run's pick, baselines and random archs (their spaces and archs from
# their records), each trained FINAL_SEEDS times on the GPU, 4 at once.
finals() {
  local run=$1 dir=$OUT/finals f name space arch seed n=0
  [ -f "$run/final.json" ] || { echo "finals: $run holds no retrained pick (final.json)"; return 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  for f in "$run"/final.json "$run"/baseline_*.json "$run"/random_*.json; do
    name=$(basename "$f" .json)
    [[ $name == *_seed* || ! -f $f ]] && continue
    space=$(jq -r '.settings.space' "$f") arch=$(jq -r '.settings.arch' "$f")
    for ((seed = 0; seed < FINAL_SEEDS; seed++)); do
      "$HWNAS" retrain --device cuda --space "$space" --arch "$arch" --epochs "$FINAL_EPOCHS" --limit 0 \
        --warmup-epochs 1 --lr 0.1 --batch-size 256 --seed $seed --jobs 1 --run-dir "$dir" --name "${name}_s$seed" \
        >"$dir/${name}_s$seed.out" 2>&1 &
      if ((++n % 4 == 0)); then wait; fi
    done
  done
  wait
  # name, mean and sd of the test accuracy over the seeds, seconds of one training
  for f in "$dir"/*_s0.json; do
    name=$(basename "$f" _s0.json)
    jq -s --arg n "$name" '[.[] | .test_accuracy] as $a | ($a | add / length) as $m |
      {network: $n, seeds: ($a | length), mean: $m,
       sd: (if ($a | length) > 1 then (([$a[] | (. - $m) * (. - $m)] | add) / (($a | length) - 1) | sqrt) else 0 end),
       seconds: .[0].stats.seconds}' "$dir/${name}"_s*.json
  done | tee "$dir/summary.jsonl"
}

while (($#)); do
  case $1 in
    deps) step deps_$(basename "$2") unpack "$2"; shift ;;
    build) step build configure_and_build ;;
    test) step test run_tests ;;
    latency) step latency latency ;;
    throughput) step throughput throughput ;;
    finals) step finals finals "$2"; shift ;;
    *) echo "scripts/gpu/check.sh: unknown phase '$1' (deps DIR, build, test, latency, throughput, finals RUN)" >&2
       exit 2 ;;
  esac
  shift
done
log "done; steps (name, exit status, seconds):"
cat "$OUT/steps.txt" >&2
