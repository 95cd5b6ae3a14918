#!/usr/bin/env bash
# Usage: bench/python_peer.sh [BUILD_DIR] [OUT_DIR]
#   (env: ROUNDS=3 THREADS="1 2" STEPS=6 WARMUP=2 REPEATS=150 INFER_WARMUP=20 PYTHON=/usr/bin/python3)
# hwnas (C++, BUILD_DIR/peer_bench, default build/) beside the same networks
# written in PyTorch (bench/python_peer.py on Debian's python3-torch, the
# same libtorch 1.13 underneath), on this machine in one go: a searched path
# of the default hsconas space (the default run's pick,
# docs/benchmarks/pipeline/promise/seed0/best.json), ShuffleNetV2 x0.5 and
# MobileNetV2 x0.1 as `hwnas run` builds its baselines. Each network is first
# checked to be the same on both sides: the same parameter and MAC counts,
# the same tensors by name and shape, and the same logits once Python loads
# hwnas's weights; any difference stops the script. Then ROUNDS rounds of
# C++, Python, C++, Python ... runs per network and thread count; the table
# gives medians over the rounds (min - max) and C++'s speed-up over Python
# (above 1: C++ faster), with the CPU time other processes took meanwhile.
# Build: cmake --build BUILD_DIR --target peer_bench. Results:
# docs/benchmarks/python_peer.md.
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-runs/python_peer}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2"}
STEPS=${STEPS:-6}
WARMUP=${WARMUP:-2}
REPEATS=${REPEATS:-150}
INFER_WARMUP=${INFER_WARMUP:-20}
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "$0")" && pwd)
CPP="$BUILD/peer_bench"
[[ -x "$CPP" ]] || { echo "python_peer.sh: $CPP not found (cmake --build $BUILD --target peer_bench)" >&2; exit 1; }
"$PYTHON" -c "import torch" 2>/dev/null ||
  { echo "python_peer.sh: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }

uniform() { local a=""; for _ in $(seq 20); do a+="$1,"; done; echo "${a%,}"; }
PICK=${PICK:-$("$PYTHON" -c "import json; print(json.load(open('$HERE/../docs/benchmarks/pipeline/promise/seed0/best.json'))['arch'])")}
NETS=(path shufflenetv2_x0.5 mobilenetv2_x0.1)
declare -A ARCH=([path]="$PICK" [shufflenetv2_x0.5]="$(uniform k3@0.5)" [mobilenetv2_x0.1]="$(uniform mb3e6@0.1)")
declare -A FLAGS=([path]="" [shufflenetv2_x0.5]="" [mobilenetv2_x0.1]="--mobilenetv2")
declare -A PARAMS MACS

rm -rf "$OUT"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
field() { "$PYTHON" -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# 1. The same network on both sides, or stop.
for net in "${NETS[@]}"; do
  mkdir -p "$OUT/check/$net"
  # shellcheck disable=SC2086
  c=$("$CPP" --space hsconas ${FLAGS[$net]} --arch "${ARCH[$net]}" --name "$net" --dump "$OUT/check/$net")
  PARAMS[$net]=$(field "$c" parameters)
  MACS[$net]=$(field "$c" macs)
  # shellcheck disable=SC2086
  p=$("$PYTHON" "$HERE/python_peer.py" --space hsconas ${FLAGS[$net]} --arch "${ARCH[$net]}" --name "$net" \
        --expect-params "${PARAMS[$net]}" --expect-macs "${MACS[$net]}" --check "$OUT/check/$net") ||
    { echo "python_peer.sh: $net is not the same network in Python" >&2; exit 1; }
  echo "$c" >>"$OUT/check.jsonl"
  echo "$p" >>"$OUT/check.jsonl"
  echo "same network: $net, ${PARAMS[$net]} parameters, ${MACS[$net]} MACs," \
       "$(field "$p" tensors) tensors, logits within $(field "$p" max_logit_diff)" >&2
done

# 2. Timings: C++ and Python alternating, every round over every setting.
# Other processes' CPU time over the timings: the machine's busy time
# (/proc/stat) less this script's and its children's (/proc/$$/stat).
cpu_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
own_cpu() { awk '{print $14 + $15 + $16 + $17}' "/proc/$$/stat"; }
common=(--batch 256 --steps "$STEPS" --warmup "$WARMUP" --infer-warmup "$INFER_WARMUP" --repeats "$REPEATS")
start=$(date +%s)
busy0=$(cpu_busy)
own0=$(own_cpu)
for round in $(seq "$ROUNDS"); do
  for net in "${NETS[@]}"; do
    for t in $THREADS; do
      # shellcheck disable=SC2086
      "$CPP" --space hsconas ${FLAGS[$net]} --arch "${ARCH[$net]}" --name "$net" --threads "$t" "${common[@]}" \
        >>"$RESULTS"
      # shellcheck disable=SC2086
      "$PYTHON" "$HERE/python_peer.py" --space hsconas ${FLAGS[$net]} --arch "${ARCH[$net]}" --name "$net" \
        --threads "$t" "${common[@]}" --expect-params "${PARAMS[$net]}" --expect-macs "${MACS[$net]}" >>"$RESULTS"
    done
  done
  echo "round $round of $ROUNDS done ($(($(date +%s) - start)) s)" >&2
done

wall=$(($(date +%s) - start))
others=$(( ($(cpu_busy) - busy0) - ($(own_cpu) - own0) ))

# 3. The table: medians over rounds, (min - max) beside them.
"$PYTHON" - "$RESULTS" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
  "$wall" "$others" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
wall, others, tck = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"{sys.argv[3]}, {sys.argv[2]} cores; {len(rows) // 2} runs per side, {wall} s; other processes used "
      f"{max(0, others) / tck / max(1, wall):.2f} CPU-s per s meanwhile (0 = a quiet machine)")
print()
print("| network | params | threads | train img/s C++ | train img/s Python | C++ / Python | "
      "batch-1 ms C++ | batch-1 ms Python | Python / C++ |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
def spread(v, fmt):
    return f"{statistics.median(v):{fmt}} ({min(v):{fmt}} - {max(v):{fmt}})"
keys = []
for r in rows:
    if (r["network"], r["threads"]) not in keys:
        keys.append((r["network"], r["threads"]))
for net, t in keys:
    side = {s: [r for r in rows if r["network"] == net and r["threads"] == t and r["side"] == s]
            for s in ("c++", "python")}
    ips = {s: [r["train_images_per_s"] for r in v] for s, v in side.items()}
    ms = {s: [r["infer_ms"] for r in v] for s, v in side.items()}
    tr = statistics.median(ips["c++"]) / statistics.median(ips["python"])
    ir = statistics.median(ms["python"]) / statistics.median(ms["c++"])
    print(f"| {net} | {side['c++'][0]['parameters']} | {t} | {spread(ips['c++'], '.0f')} | "
          f"{spread(ips['python'], '.0f')} | {tr:.2f}x | {spread(ms['c++'], '.2f')} | "
          f"{spread(ms['python'], '.2f')} | {ir:.2f}x |")
PY
