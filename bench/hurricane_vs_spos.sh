#!/usr/bin/env bash
# HURRICANE (I = 1 and 2) against plain SPOS and the HSCoNAS pipeline in
# HURRICANE's full 32-op space, at one latency budget, on this CPU, in one go
# (issue #6; results: docs/benchmarks/hurricane.md).
#
# Every method gets the same latency table, the same search shape (the
# default preset's evolution), the same evaluation slice and the same
# retraining; the supernet training budget is what differs and is counted:
#   HURRICANE   one supernet of the active subspace per iteration, IMAGES each
#   SPOS        one supernet of the whole space, 2 x IMAGES (= HURRICANE I = 2)
#   HSCoNAS     SPOS's supernet, shrinking layers 20..13, fine-tuning IMAGES/2 twice
# The winners are measured end to end at the end, each in a fresh process,
# as `hwnas run` measures its final nets; run it on a quiet machine.
# Usage: bash bench/hurricane_vs_spos.sh [OUT_DIR]   (env: HWNAS, SPACE, IMAGES, RETRAIN_LIMIT,
#        THREADS, SEED, ONLY_MEASURE)
set -euo pipefail
HWNAS=${HWNAS:-build/hwnas}
OUT=${1:-runs/hurricane_vs_spos}
SPACE=${SPACE:-hurricane:channels=16/40/80/160,stem=8,head=256}
IMAGES=${IMAGES:-25600}
THREADS=${THREADS:-2}
SEED=${SEED:-0}
RETRAIN_LIMIT=${RETRAIN_LIMIT:-15000}
TARGET=local:threads=1,batch=1
STRATEGY="evolution:G=6,K=6,P=16,pc=0.25,pm=0.25"
PROFILE=(--repetitions 21 --min-time 1ms --statistic min --bias-archs 10)
SUPERNET=(--batch-size 128 --lr 0.1 --epochs 1)
EVAL=(--bn-images 500 --valid-images 1000)
RETRAIN=(--epochs 2 --limit "$RETRAIN_LIMIT" --lr 0.1 --batch-size 256 --weight-decay 3e-05)
mkdir -p "$OUT"
log() { echo "== $(date +%T) $*" >&2; }
arch_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["arch"])' "$1"; }  # of a best.json

log "profile $SPACE on $TARGET"
"$HWNAS" profile --space "$SPACE" --target "$TARGET" "${PROFILE[@]}" --seed "$SEED" --out "$OUT/lut.json" --quiet
# The budget: the median predicted latency of 200 uniformly sampled archs.
T=$("$HWNAS" latency predict --lut "$OUT/lut.json" --space "$SPACE" --sample 200 --json |
  python3 -c 'import json, statistics, sys
print("%.3fms" % statistics.median(a["predicted_ms"] for a in json.load(sys.stdin)["archs"]))')
log "budget T = $T"

pipeline() {  # NAME, then extra flags of hwnas run
  local name=$1
  shift
  mkdir -p "$OUT/$name"
  cp -n "$OUT/lut.json" "$OUT/$name/lut.json"
  "$HWNAS" run --space "$SPACE" --run-dir "$OUT/$name" --target "$TARGET" --latency "$T" --seed "$SEED" \
    --threads "$THREADS" "${PROFILE[@]}" "${SUPERNET[@]}" "${EVAL[@]}" \
    --strategy "$STRATEGY" --retrain-epochs 2 --retrain-limit "$RETRAIN_LIMIT" --retrain-lr 0.1 --retrain-batch-size 256 \
    --retrain-weight-decay 3e-05 --baseline-widths 1.0 --mbv2-widths 0.2 "$@" >"$OUT/$name.log" 2>&1
}

if [ "${ONLY_MEASURE:-0}" != 1 ]; then  # ONLY_MEASURE=1: re-measure and re-summarise a finished run
log "SPOS: uniform supernet of the whole space, $((2 * IMAGES)) images; evolution with rejection"
pipeline spos --no-shrink --objective hard --limit $((2 * IMAGES))

log "HURRICANE: scoring, then coordinate ascent, I = 2, $IMAGES images per iteration"
"$HWNAS" hurricane search --space "$SPACE" --lut "$OUT/lut.json" --latency "$T" --iterations 2 \
  --run-dir "$OUT/hurricane" --seed "$SEED" --threads "$THREADS" "${SUPERNET[@]}" --limit "$IMAGES" \
  --strategy "$STRATEGY" "${EVAL[@]}" >"$OUT/hurricane.log" 2>&1
fi
I1=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["iterations"][0]["winner"])' "$OUT/hurricane/hurricane.json")
I2=$(arch_of "$OUT/hurricane/best.json")
if [ "${ONLY_MEASURE:-0}" != 1 ]; then
for i in 1 2; do
  arch=$I1
  [ $i = 2 ] && arch=$I2
  log "retrain HURRICANE I = $i winner"
  "$HWNAS" retrain --space "$SPACE" --run-dir "$OUT/hurricane" --seed "$SEED" --threads "$THREADS" \
    "${RETRAIN[@]}" --arch "$arch" --name "final_I$i" >>"$OUT/hurricane.log" 2>&1
done

log "HSCoNAS: SPOS's supernet budget, shrinking (N = 1), fine-tuning $((IMAGES / 2)) images per stage"
mkdir -p "$OUT/hsconas"
cp -n "$OUT"/spos/baseline_* "$OUT/hsconas/"  # the same baselines: reused, not retrained
pipeline hsconas --limit $((2 * IMAGES)) --shrink-samples 1 --finetune-epochs 1 --finetune-limit $((IMAGES / 2)) \
  --finetune-lr1 0.02 --finetune-lr2 0.01

fi

SPOS_ARCH=$(arch_of "$OUT/spos/best.json")
HSCONAS_ARCH=$(arch_of "$OUT/hsconas/best.json")
log "measure the four winners end to end, each in a fresh process"
: >"$OUT/measured.jsonl"
for arch in "$I1" "$I2" "$SPOS_ARCH" "$HSCONAS_ARCH"; do
  "$HWNAS" latency predict --model measured --lut "$OUT/lut.json" --space "$SPACE" --target "$TARGET" --json \
    "$arch" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["archs"][0]))' >>"$OUT/measured.jsonl"
done

python3 - "$OUT" "$T" <<'EOF'
import json, sys
out, budget = sys.argv[1], sys.argv[2]
load = lambda p: json.load(open(f"{out}/{p}"))
measured = {a["arch"]: a["predicted_ms"] for a in map(json.loads, open(f"{out}/measured.jsonl"))}
hur = load("hurricane/hurricane.json")["iterations"]
steps = lambda name, parts: sum(load(f"{name}/{p}.json")["stats"]["steps"] for p in parts)
rows = [
    ("HURRICANE I=1", hur[0]["train_steps"], hur[0]["winner"], hur[0]["latency_ms"], load("hurricane/final_I1.json")),
    ("HURRICANE I=2", sum(i["train_steps"] for i in hur), hur[-1]["winner"], hur[-1]["latency_ms"],
     load("hurricane/final_I2.json")),
    ("SPOS", steps("spos", ["supernet"]), load("spos/best.json")["arch"], load("spos/best.json")["predicted_latency_ms"],
     load("spos/final.json")),
    ("HSCoNAS", steps("hsconas", ["supernet", "supernet_shrink1", "supernet_shrink2"]), load("hsconas/best.json")["arch"],
     load("hsconas/best.json")["predicted_latency_ms"], load("hsconas/final.json")),
]
lines = [f"Budget T = {budget} (median of 200 sampled archs), space and settings in bench/hurricane_vs_spos.sh.", "",
         "| method | supernet training steps | test acc | predicted ms | measured ms | arch |", "|---|---|---|---|---|---|"]
for name, st, arch, pred, final in rows:
    lines.append(f"| {name} | {st} | {final['test_accuracy']:.2f}% | {pred:.3f} | {measured[arch]:.3f} | `{arch}` |")
for b in ["baseline_shufflenetv2_w1", "baseline_mobilenetv2_w0.2"]:
    f = load(f"spos/{b}.json")
    lines.append(f"| {b} | - | {f['test_accuracy']:.2f}% | - | see spos/report.md | `{f['settings']['arch']}` |")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
