#!/usr/bin/env bash
# End-to-end smoke test of the main job: `hwnas run` on a small slice of
# Fashion-MNIST (preset smoke), then resume, a config round trip, a second
# budget, more seeds, HURRICANE and HW-EvRSNAS as methods with the same
# records, and bad input. Assertions read the run's files and JSON records (jq), not its log.
set -euo pipefail
HWNAS=${1:?usage: run.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# jq -e FILTER FILE: true when FILTER holds.
check() { jq -e "$1" "$2" >/dev/null || fail "$2: $1 does not hold (${3:-})"; }

"$HWNAS" run --preset smoke --run-dir "$DIR/run" --threads 1 > "$DIR/out.txt" 2> "$DIR/err.txt" \
  || { tail -20 "$DIR/err.txt"; fail "hwnas run exited non-zero"; }
R=$DIR/run
for f in config.yaml target.json lut.json supernet.pt shrink.json search.csv final.pt best.json report.md pareto.csv \
         measured.json stages.json; do
  [ -s "$R/$f" ] || fail "run directory lacks $f"
done
for s in profile supernet shrink1 finetune1 shrink2 finetune2 search rerank retrain measure export report; do
  check '.stage and .settings and (.seconds >= 0) and .record' "$R/stages/$s.json" "stage record"
done
grep -q "^best arch " "$DIR/out.txt" || fail "no summary on stdout"
# best.json: the one schema of every method.
check '.method == "hsconas" and (.measured_latency_ms > 0) and (.test_accuracy >= 0) and (.drift_since_profile | type == "number")' "$R/best.json"
check '.standalone_search_valid_accuracy | type == "number"' "$R/best.json" "the re-ranking's accuracy"
# The finals were measured in a fresh process (an agent on loopback), each
# beside the table's speed reference (its first bias arch) and scaled to its
# time at profiling, with the pick's latency-check timing beside it.
REF=$(jq -r .speed_reference.arch "$R/lut.json")
check "(.record.measured_in | test(\"fresh process\")) and .record.speed_reference == \"$REF\"" "$R/stages/measure.json"
check '[.record.nets[] | .speed > 0 and (.at_profile_speed_ms - .measured_ms / .speed | fabs) < 1e-9] | all' "$R/stages/measure.json"
check '.record.nets[0].checked_ms > 0' "$R/stages/measure.json"
check '.checked_latency_ms > 0' "$R/best.json"
# Three finals (the pick, ShuffleNetV2 x1, MobileNetV2 x0.2) and the preset's
# two random archs near T, compared in best.json: fewer, with a warning, only
# when too few of those drawn time under 0.98 T (the smoke preset's 3 timings
# of each on a busy machine spread by tens of percent).
randoms_in() { jq '[.record.nets[] | select(.name | startswith("random"))] | length' "$1/stages/retrain.json"; }
k=$(randoms_in "$R")
[ "$k" -eq 2 ] || grep -q "warning: --random-baseline: only" "$DIR/err.txt" || fail "$k random archs and no warning"
check "(.record.nets | length) == 3 + $k and ([.record.nets[].test_accuracies | length] | all(. == 1))" "$R/stages/retrain.json"
check "(.random_baseline.archs // 0) == $k and (.random_baseline.mean_test_accuracy // 0) >= 0" "$R/best.json"
[ "$k" -eq 0 ] || grep -q "^## Against random archs at the same budget" "$R/report.md" \
  || fail "report has no comparison with random archs"
# The latency check timed the random archs too, held under T with the pick's room.
T=$(jq .latency_budget_ms "$R/best.json")
check "[.record.nets[] | select(.name | startswith(\"random\")) | .checked_ms > 0 and .checked_ms <= 0.98 * $T + 1e-9] | all" \
  "$R/stages/measure.json" "random archs timed under 0.98 T"
[ "$k" -eq 0 ] || grep -q "and timed at most 0.98 T" "$R/report.md" || fail "report does not say the random archs were timed"
grep -q "^\*\*Verdict: " "$R/report.md" || fail "report has no verdict line"
grep -q "^Verdict: " "$DIR/out.txt" || fail "summary has no verdict line"
grep -q "| layer | stage |" "$R/report.md" || fail "report has no layer table"
# The preset re-ranks the search's best two and one uniform arch within
# [0.95 T, T] by stand-alone training on search-train, scored with their
# measured latency (the latency check is on).
check '[.record.candidates[].from] == ["search", "search", "uniform"] and ([.record.candidates[] | select(.chosen)] | length) == 1' \
  "$R/stages/rerank.json"
[ "$(awk -F, 'NR > 1 && $(NF - 3) > 0' "$R/rerank.csv" | wc -l)" -eq 3 ] || fail "rerank.csv lacks measured latencies"
# Where the pick came from: best.json and the verdict say what the re-ranking chose.
FROM=$(jq -r '.record.candidates[] | select(.chosen) | .from' "$R/stages/rerank.json")
check ".picked_from == \"$([ "$FROM" = uniform ] && echo "uniform draw" || echo search)\"" "$R/best.json"
grep -q "^\*\*Verdict: .*; the pick: $([ "$FROM" = uniform ] && echo "a uniform draw" || echo "the search's candidate")" \
  "$R/report.md" || fail "the verdict does not say the pick came from the $FROM candidates"
check '.search_valid_accuracy' "$R/rerank_1.json" "re-ranking scored on search-valid"
# The preset calibrates the supernet's accuracy with 4 short stand-alone trainings.
check '(.archs | length) == 4 and has("tau_calibrated_leave_one_out")' "$R/calibration.json"
# The latency check times the search's best 2 archs on the target.
check '.rounds[0].chosen_measured_ms > 0' "$R/latency_check.json"
check '.record.latency_check | test("timed on the target")' "$R/stages/search.json"
# Every final exported as ONNX, matching LibTorch on OpenCV DNN, and timed
# on OpenCV DNN beside the LibTorch target's timing.
for n in $(jq -r '.record.nets | keys[]' "$R/stages/export.json"); do
  [ -s "$R/$n.onnx" ] || fail "no $n.onnx"
done
check '[.record.nets[]] | length == 3 + '"$k"' and all(.images == 200 and .max_abs_diff < 1e-3 and .top1_agreement >= 0.99 and
       (.other_runtime | test("^opencv")) and .other_runtime_ms > 0)' "$R/stages/export.json" "export checks"
grep -q "^## Exported models (ONNX)" "$R/report.md" || fail "report has no export section"
"$HWNAS" export --info "$R/final.onnx" > "$DIR/info.txt" || fail "export --info"
grep -q "opset 10, input image \[N, 1, 28, 28\]" "$DIR/info.txt" || fail "export --info: $(head -1 "$DIR/info.txt")"
"$HWNAS" export --run-dir "$R" --check-images 50 --out "$DIR/again.onnx" > "$DIR/export.txt" \
  || fail "hwnas export of best.json's pick"
grep -q "top-1 agreement 100.00%" "$DIR/export.txt" || fail "hwnas export: $(tail -1 "$DIR/export.txt")"
# every evaluated arch is logged once
[ "$(tail -n +2 "$R/search.csv" | cut -d, -f2- | sort | uniq -d | wc -l)" -eq 0 ] || fail "search.csv repeats an arch"

# A finished run resumes without redoing work: same best arch, no weights,
# table or timing written again.
before=$(jq -r .arch "$R/best.json")
cp "$R/lut.json" "$R/calibration.json" "$R/latency_check.json" "$DIR/"
touch "$DIR/marker"
sleep 1
"$HWNAS" run --preset smoke --run-dir "$R" --threads 1 --resume > "$DIR/out2.txt" 2> "$DIR/err2.txt" \
  || { tail -5 "$DIR/err2.txt"; fail "resume exited non-zero"; }
[ "$before" = "$(jq -r .arch "$R/best.json")" ] || fail "resume changed the result"
check '.record.reused == true' "$R/stages/supernet.json"
redone=$(find "$R" \( -name '*.pt' -o -name measured.json \) -newer "$DIR/marker")
[ -z "$redone" ] || fail "resume redid work: $redone"
for f in lut.json calibration.json latency_check.json; do
  cmp -s "$R/$f" "$DIR/$f" || fail "resume changed $f"
done
# The resolved config.yaml lists every option of hwnas run (those --help
# shows) and resolves to exactly the same settings when read back.
for flag in $("$HWNAS" run --help | grep -o -- '^ *--[a-z0-9-]*' | sed 's/^ *--//' | grep -v -x 'help\|token'); do
  grep -q "^  $flag:" "$R/config.yaml" || fail "config.yaml lacks --$flag"
done
cp "$R/config.yaml" "$DIR/config1.yaml"
"$HWNAS" run --config "$DIR/config1.yaml" --resume > "$DIR/out3.txt" 2> "$DIR/err3.txt" \
  || { tail -5 "$DIR/err3.txt"; fail "run from config.yaml exited non-zero"; }
[ "$before" = "$(jq -r .arch "$R/best.json")" ] || fail "config.yaml did not reproduce the run"
diff <(grep -v '^  resume:' "$DIR/config1.yaml") <(grep -v '^  resume:' "$R/config.yaml") \
  || fail "config.yaml read back resolves to other settings"

# A second budget with --reuse: the table, supernet and baselines come from the first run.
T2=$(jq '.latency_budget_ms * 1.1' "$R/best.json")ms
# It also widens the re-ranking candidates to the budget.
"$HWNAS" run --preset smoke --run-dir "$DIR/run2" --threads 1 --latency "$T2" --reuse "$R" --widen \
  > "$DIR/out4.txt" 2> "$DIR/err4.txt" || { tail -5 "$DIR/err4.txt"; fail "run --reuse exited non-zero"; }
R2=$DIR/run2
check '.record.reused == true' "$R2/stages/supernet.json"
for f in lut.json baseline_shufflenetv2_w1.pt baseline_mobilenetv2_w0.2.pt; do
  cmp -s "$R/$f" "$R2/$f" || fail "--reuse made $f again instead of taking the first run's"
done
[ -s "$R2/report.md" ] || fail "run --reuse wrote no report"
# widen.csv: candidate,predicted_ms,mean_width,widened_predicted_ms,widened_mean_width,measured_ms,chosen,...
# (the uniform candidate only when the moved B leaves one within [0.90 T, 0.95 T],
# its window with --widen)
candidates=$(jq '.record.candidates | length' "$R2/stages/rerank.json")
[ "$candidates" -ge 2 ] && [ "$(tail -n +2 "$R2/widen.csv" | wc -l)" -eq "$candidates" ] \
  || fail "widen.csv does not hold the $candidates candidates"
[ -z "$(awk -F, 'NR > 1 && ($5 < $3 || $4 < $2 || $6 <= 0)' "$R2/widen.csv")" ] \
  || fail "widen.csv: a candidate got narrower or faster, or was not timed"
[ "$(awk -F, 'NR > 1 { s += $7 } END { print s }' "$R2/widen.csv")" -eq 1 ] || fail "widen.csv does not mark one pick"
picked=$(awk -F'"' 'NR > 1 { split($1, f, ","); if (f[7] == 1) print $4 }' "$R2/widen.csv")
[ "$(jq -r .arch "$R2/best.json")" = "$picked" ] || fail "best.json is not the widened pick ($picked)"
# Several budgets in one run (--budgets), starting from the first run: one
# search per budget in RUN_DIR/T<budget>, the first run's table, supernet and
# baselines reused by all, and the picks against the baselines in front.json.
"$HWNAS" run --preset smoke --run-dir "$DIR/front" --threads 1 --budgets 1.1x,0.95x --reuse "$R" \
  > "$DIR/out_front.txt" 2> "$DIR/err_front.txt" || { tail -5 "$DIR/err_front.txt"; fail "run --budgets exited non-zero"; }
F=$DIR/front
for b in T0.95x T1.1x; do
  check '.record.reused == true' "$F/$b/stages/supernet.json"
  for f in lut.json baseline_shufflenetv2_w1.pt baseline_mobilenetv2_w0.2.pt; do
    cmp -s "$R/$f" "$F/$b/$f" || fail "--budgets made $f again in $b instead of taking the first run's"
  done
  check '.method == "hsconas" and .measured_latency_ms > 0' "$F/$b/best.json"
done
check '(.budgets | length) == 2 and all(.budgets[]; .measured_latency_ms > 0 and (.within_budget | type == "boolean") and
       (.picked_from == "search" or .picked_from == "uniform draw"))' "$F/front.json"
check '.budgets[0].budget == "0.95x" and .budgets[0].budget_ms < .budgets[1].budget_ms' "$F/front.json" "in the order of the budgets"
check '[.baselines[].label] == ["ShuffleNetV2 x1", "MobileNetV2 x0.2"] and (.against | length) == 2' "$F/front.json"
check '.record.verdict | test("picks within their budget")' "$F/stages/front.json"
# Each budget's random archs are those its best.json counts: a budget whose
# check moved B may find fewer than the preset's 2 within [0.95 T, T].
randoms=$(jq -s 'map(.random_baseline.archs // 0) | add' "$F"/T*/best.json)
[ "$(awk -F, 'NR > 1 && $NF == 1' "$F/front.csv" | wc -l)" -eq 2 ] || fail "front.csv does not mark 2 picks"
[ "$(tail -n +2 "$F/front.csv" | wc -l)" -eq $((4 + randoms)) ] \
  || fail "front.csv does not hold 2 picks, $randoms random archs and 2 baselines"
grep -q "^\*\*Verdict: " "$F/front.md" || fail "front.md has no verdict line"
# Its links to the budgets' reports resolve from front.md's own folder.
for link in $(grep -o '](T[^)]*/report.md)' "$F/front.md" | sed 's/^](//; s/)$//'); do
  [ -s "$F/$link" ] || fail "front.md links to $link, which is not there"
done
[ "$(grep -o '](T[^)]*/report.md)' "$F/front.md" | wc -l)" -eq 2 ] || fail "front.md does not link both budgets' reports"
grep -q "^searched front (2 budgets)" "$DIR/out_front.txt" || fail "no front summary on stdout"

# More seeds on --resume: only the new trainings run; mean and sd reported.
"$HWNAS" run --preset smoke --run-dir "$R2" --threads 1 --latency "$T2" --resume --widen --retrain-seeds 2 \
  > "$DIR/out5.txt" 2> "$DIR/err5.txt" || { tail -5 "$DIR/err5.txt"; fail "resume with --retrain-seeds 2 exited non-zero"; }
[ -s "$R2/final_seed1.pt" ] && [ -s "$R2/baseline_shufflenetv2_w1_seed1.pt" ] || fail "--retrain-seeds 2 did not train every net again"
check "(.record.nets | length) == 3 + $(randoms_in "$R2") and ([.record.nets[].test_accuracies | length] | all(. == 2))" \
  "$R2/stages/retrain.json"
check '.test_accuracies | length == 2' "$R2/best.json"
grep -q "% ± [0-9]" "$R2/report.md" || fail "report gives no sd over seeds"
[ -z "$(awk -F, 'NR > 1 && $(NF-1) != 2' "$R2/pareto.csv")" ] || fail "pareto.csv does not count 2 seeds per net"

# HURRICANE as a method of the same framework: the same stages at the end
# and best.json in the same schema.
"$HWNAS" run --method hurricane --preset smoke --space "hurricane:channels=8/16/24/32,stem=4,head=32" \
  --run-dir "$DIR/hur" --threads 1 > "$DIR/out6.txt" 2> "$DIR/err6.txt" \
  || { tail -5 "$DIR/err6.txt"; fail "hwnas run --method hurricane exited non-zero"; }
for s in profile score ascent retrain measure report; do
  check '.stage and .record' "$DIR/hur/stages/$s.json" "stage record"
done
check '.method == "hurricane" and (.measured_latency_ms > 0) and (.test_accuracy >= 0)' "$DIR/hur/best.json"
[ "$(jq -c 'keys' "$R/best.json")" = "$(jq -c 'keys' "$DIR/hur/best.json")" ] || fail "best.json schemas differ between methods"
check '.record.iterations | length == 2' "$DIR/hur/stages/ascent.json"
# HW-EvRSNAS too: reference, GA over the RMI proxy on the NB201 Raspberry Pi 4
# table, the pick and the reference retrained, their latency from the table.
"$HWNAS" run --method hw-evrsnas --preset smoke --latency-table data/nb201/latency.csv:raspi4_ms --latency 20ms \
  --run-dir "$DIR/rmi" --threads 1 > "$DIR/out7.txt" 2> "$DIR/err7.txt" \
  || { tail -5 "$DIR/err7.txt"; fail "hwnas run --method hw-evrsnas exited non-zero"; }
for s in reference search retrain measure report; do
  check '.stage and .record' "$DIR/rmi/stages/$s.json" "stage record"
done
check '.method == "hw-evrsnas" and (.measured_latency_ms > 0) and (.test_accuracy >= 0)' "$DIR/rmi/best.json"
[ "$(jq -c 'keys' "$R/best.json")" = "$(jq -c 'keys' "$DIR/rmi/best.json")" ] || fail "best.json schemas differ between methods"
check '.record.nets | length == 4' "$DIR/rmi/stages/retrain.json"

# Bad input: one clear line and a non-zero exit, no stack trace.
expect_error() {
  local needle=$1; shift
  if "$HWNAS" "$@" > "$DIR/bad.txt" 2>&1; then fail "accepted: $*"; fi
  grep -q "$needle" "$DIR/bad.txt" || { cat "$DIR/bad.txt"; fail "message lacks '$needle' for: $*"; }
  tail -1 "$DIR/bad.txt" | grep -q "^hwnas: error: " || { cat "$DIR/bad.txt"; fail "last line is not one error line for: $*"; }
  ! grep -q "Exception raised from\|terminate called\|Segmentation" "$DIR/bad.txt" || fail "crash or trace for: $*"
}
expect_error "feasible range" run --preset smoke --run-dir "$R" --threads 1 --resume --latency 1us
expect_error "unknown preset" run --preset fast --run-dir "$DIR/x"
expect_error "unknown method" run --method nope --run-dir "$DIR/x"
expect_error "must not set T: the budget comes from --latency" run --objective hsconas:T=5ms --run-dir "$DIR/x"
expect_error "unknown search space" run --space nope --run-dir "$DIR/x"
expect_error "latency" run --latency 3parsecs --run-dir "$DIR/x"
expect_error "has 1 layers" retrain --arch "k9@1" --run-dir "$DIR/x"
expect_error "no such directory" run --dataset mnist-idx:/nonexistent --run-dir "$DIR/x"
expect_error "rerank must be 0 or more" run --rerank -1 --run-dir "$DIR/x"
expect_error "rerank-random must be in 0..100" run --rerank-random -1 --run-dir "$DIR/x"
expect_error "calibrate needs 0 (off) or at least 4" run --calibrate 2 --run-dir "$DIR/x"
expect_error "latency-check must be in 0..100" run --latency-check -1 --run-dir "$DIR/x"
expect_error "latency-rounds must be in 1..10" run --latency-rounds 0 --run-dir "$DIR/x"
expect_error "no archs to measure" latency measure --lut "$R/lut.json"
expect_error "retrain-seeds must be at least 1" run --retrain-seeds 0 --run-dir "$DIR/x"
expect_error "random-baseline must be in 0..100" run --random-baseline -2 --run-dir "$DIR/x"
expect_error "not a run directory" run --reuse "$DIR/nonexistent" --run-dir "$DIR/x"
expect_error "not both" run --latency 2ms --budgets 1ms,2ms --run-dir "$DIR/x"
expect_error "at least two budgets" run --budgets 1ms --run-dir "$DIR/x"
expect_error "names 1ms twice" run --budgets 1ms,1ms --run-dir "$DIR/x"
expect_error "multiple of the median" run --budgets 2ms,fastx --run-dir "$DIR/x"
expect_error "export-images must be >= 0" run --export-images -1 --run-dir "$DIR/x"
head -c 300 "$R/final.pt" > "$DIR/junk.onnx"
expect_error "not an ONNX model" export --info "$DIR/junk.onnx"
expect_error "no --arch given and no" export --run-dir "$DIR/x"
expect_error "unknown option" profile --target opencv:fold=1 --out "$DIR/x.json"
echo "smoke run: ok"
