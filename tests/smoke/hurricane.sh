#!/usr/bin/env bash
# End-to-end HURRICANE on a narrow backbone: profile two targets (this CPU at
# 1 thread batch 1 and at batch 8), score and compare their operators, then
# a two-iteration coordinate ascent on a slice of Fashion-MNIST.
# Usage: bash tests/smoke/hurricane.sh path/to/hwnas
set -euo pipefail
HWNAS=${1:?usage: hurricane.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
SPACE="hurricane:channels=8/16/24/32,stem=4,head=32"
FAST="--warmup 0 --min-time 1ms --repetitions 3 --quiet"

"$HWNAS" profile --space "$SPACE" --target local:threads=1,batch=1 $FAST --bias-archs 2 --out "$DIR/b1.json" >/dev/null
"$HWNAS" profile --space "$SPACE" --target local:threads=1,batch=8 $FAST --bias-archs 0 --out "$DIR/b8.json" >/dev/null

# The latency models scored on held-out archs; B refitted on the fit archs
# into the table, the per-arch CSV beside it.
"$HWNAS" latency validate --lut "$DIR/b1.json" --space "$SPACE" --fit 4 --archs 4 --warmup 0 --min-time 0.2ms \
  --repetitions 3 --models lut+bias,flops --quiet --json > "$DIR/validate.json"
jq -e '."lut+bias".n == 4 and ."lut+bias".mape >= 0 and .flops.n == 4' "$DIR/validate.json" >/dev/null \
  || { echo "validate: $(cat "$DIR/validate.json")"; exit 1; }
jq -e '.bias.archs == 4' "$DIR/b1.json" >/dev/null || { echo "validate did not refit B on the 4 fit archs"; exit 1; }
test -s "$DIR/latency_validation.csv" || { echo "missing latency_validation.csv"; exit 1; }

"$HWNAS" hurricane score --space "$SPACE" --lut "$DIR/b1.json" --out "$DIR/score.json" >"$DIR/score.txt"
grep -q "| output shape | layers | operators |" "$DIR/score.txt"
grep -q "| 2x2x32 | 17" "$DIR/score.txt"
grep -q '"kept"' "$DIR/score.json"

"$HWNAS" hurricane compare --space "$SPACE" --lut "$DIR/b1.json" --lut "$DIR/b8.json" --name b1 --name b8 \
  >"$DIR/compare.txt"
grep -q "Why the kept operators differ: b1 vs b8" "$DIR/compare.txt"

# A budget the fastest ops meet: well above the initial arch's latency.
"$HWNAS" hurricane search --space "$SPACE" --lut "$DIR/b1.json" --latency 1s --run-dir "$DIR/run" \
  --limit 128 --epochs 1 --batch-size 64 --strategy random:N=4 --valid-images 100 --bn-images 64 \
  --threads 1 >"$DIR/search.txt" 2>"$DIR/search.err"
grep -q "^iteration 1: layers 9-20 active" "$DIR/search.txt"
grep -q "^iteration 2: layers 1-8 active" "$DIR/search.txt"
grep -q "supernet training iterations: 4 in total over 2 iteration(s)" "$DIR/search.txt"
for f in scoring.json table1.md hurricane.json search_iter1.csv search_iter2.csv best.json config.yaml; do
  test -s "$DIR/run/$f" || { echo "missing $f"; exit 1; }
done
# best.json in the schema of every method (not retrained: no test accuracy).
jq -e '.method == "hurricane" and .predicted_latency_ms <= .latency_budget_ms and .test_accuracy == null' \
  "$DIR/run/best.json" >/dev/null || { echo "best.json: $(cat "$DIR/run/best.json")"; exit 1; }

# A budget below the fastest arch: one line, non-zero exit.
if "$HWNAS" hurricane search --space "$SPACE" --lut "$DIR/b1.json" --latency 1us --run-dir "$DIR/run2" \
  --limit 128 --epochs 1 --batch-size 64 --strategy random:N=4 --max-tries 20 --threads 1 \
  >/dev/null 2>"$DIR/err.txt"; then
  echo "an impossible budget was accepted"; exit 1
fi
grep -q "all over the budget" "$DIR/err.txt"
echo "hurricane smoke test passed"
