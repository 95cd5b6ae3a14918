#!/usr/bin/env bash
# One job with more intra-op threads against independent jobs on one thread
# each, and both (the default: --threads 0 --jobs 0), for the stages that train several networks (re-ranking,
# the finals' retraining; calibration trains like re-ranking), on this machine in one go. Each setting is a
# `hwnas run --preset smoke` with those stages scaled up, run twice in the
# order A B C D D C B A so that a drift of the machine falls on all of them;
# the stage times come from each run's stages.json.
# Usage: bash bench/jobs_vs_threads.sh [OUT_DIR]   (env: HWNAS, LIMIT, SHORT_LIMIT, LATENCY)
# Results: docs/benchmarks/pipeline.md, "Threads and jobs".
set -euo pipefail
HWNAS=${HWNAS:-build/hwnas}
OUT=${1:-runs/jobs_vs_threads}
LIMIT=${LIMIT:-3000}          # retraining images per final network (5 networks)
SHORT_LIMIT=${SHORT_LIMIT:-2000}  # images per re-ranking training (4 candidates)
LATENCY=${LATENCY:-3ms}      # a fixed budget (the median of the space moves with each run's table)
CORES=$(nproc)
declare -A FLAGS=(
  [one_thread]="--threads 1 --jobs 1"
  [threads]="--threads $CORES --jobs 1"
  [jobs]="--threads 1 --jobs $CORES"
  [both]="--threads $CORES --jobs $CORES"
)
ORDER=(one_thread threads jobs both both jobs threads one_thread)
rm -rf "$OUT"
mkdir -p "$OUT"
pass=0
for name in "${ORDER[@]}"; do
  pass=$((pass + 1))
  dir="$OUT/$name.$pass"
  # shellcheck disable=SC2086
  "$HWNAS" run --preset smoke --run-dir "$dir" ${FLAGS[$name]} --latency "$LATENCY" \
    --retrain-epochs 1 --retrain-limit "$LIMIT" --retrain-batch-size 256 \
    --baseline-widths 0.5,1 --mbv2-widths 0.1,0.2 \
    --rerank 4 --rerank-epochs 1 --rerank-limit "$SHORT_LIMIT" --rerank-batch-size 128 \
    --calibrate 0 \
    >"$dir.out" 2>"$dir.err" || { echo "run $dir failed:"; tail -5 "$dir.err"; exit 1; }
  echo "$name (pass $pass) done"
done
python3 - "$OUT" "$CORES" <<'PY'
import json, sys, glob, statistics, os
out, cores = sys.argv[1], sys.argv[2]
stages = ["search", "rerank", "retrain"]
rows = {}
for d in sorted(glob.glob(out + "/*.*")):
    if not os.path.isdir(d): continue
    name = os.path.basename(d).split(".")[0]
    s = json.load(open(d + "/stages.json"))
    rows.setdefault(name, []).append(s)
print(f"| setting ({cores} cores) | " + " | ".join(stages) + " | all three |")
print("|---|" + "---:|" * (len(stages) + 1))
mean = {}
for name in ["one_thread", "threads", "jobs", "both"]:
    m = {st: statistics.mean(r[st] for r in rows[name]) for st in stages}
    m["all"] = sum(m.values())
    mean[name] = m
    print(f"| {name} | " + " | ".join(f"{m[st]:.1f} s" for st in stages + ['all']) + " |")
for name in ["threads", "jobs", "both"]:
    print(f"| speed-up of {name} over one_thread | " +
          " | ".join(f"{mean['one_thread'][st] / mean[name][st]:.2f}x" for st in stages + ['all']) + " |")
PY
