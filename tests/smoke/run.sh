#!/usr/bin/env bash
# End-to-end smoke test of the main job: `hwnas run` on a small slice of
# Fashion-MNIST (preset smoke), then resume, then bad input.
set -euo pipefail
HWNAS=${1:?usage: run.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$HWNAS" run --preset smoke --run-dir "$DIR/run" --threads 1 > "$DIR/out.txt" 2> "$DIR/err.txt" \
  || { tail -20 "$DIR/err.txt"; fail "hwnas run exited non-zero"; }
for f in config.yaml target.json lut.json supernet.pt shrink.json search.csv final.pt best.json report.md pareto.csv measured.json; do
  [ -s "$DIR/run/$f" ] || fail "run directory lacks $f"
done
grep -q "^best arch " "$DIR/out.txt" || fail "no summary on stdout"
grep -q "measuring in a fresh process" "$DIR/err.txt" || fail "final nets were not measured in a fresh process"
grep -q "measured_latency_ms" "$DIR/run/best.json" || fail "best.json has no measured latency"
grep -q "machine speed: 2 of the table's bias archs" "$DIR/err.txt" || fail "bias archs were not re-timed as speed probes"
grep -q '"drift_since_profile": [-0-9]' "$DIR/run/best.json" || fail "best.json has no drift since profiling"
grep -q "| layer | stage |" "$DIR/run/report.md" || fail "report has no layer table"
# The preset re-ranks two candidates by stand-alone training on search-train.
[ "$(tail -n +2 "$DIR/run/rerank.csv" | wc -l)" -eq 2 ] || fail "rerank.csv does not hold 2 candidates"
[ "$(awk -F, 'NR > 1 { s += $NF } END { print s }' "$DIR/run/rerank.csv")" -eq 1 ] || fail "rerank.csv does not mark one pick"
grep -q "re-ranking picks candidate" "$DIR/err.txt" || fail "no re-ranking pick reported"
# With the latency check on, the candidates are scored with their measured latency.
[ "$(awk -F, 'NR > 1 && $(NF - 3) > 0' "$DIR/run/rerank.csv" | wc -l)" -eq 2 ] || fail "rerank.csv lacks measured latencies"
grep -q "| measured latency | stand-alone acc |" "$DIR/run/report.md" || fail "re-ranking table does not use measured latency"
grep -q "## Re-ranking" "$DIR/run/report.md" || fail "report has no re-ranking table"
grep -q '"standalone_search_valid_accuracy": [0-9]' "$DIR/run/best.json" || fail "best.json lacks the re-ranking accuracy"
grep -q '"search_valid_accuracy"' "$DIR/run/rerank_1.json" || fail "re-ranking was not scored on search-valid"
# The preset calibrates the supernet's accuracy with 4 short stand-alone trainings.
[ "$(grep -c '"search_valid_accuracy"' "$DIR/run/calibration.json")" -eq 4 ] || fail "calibration.json does not hold 4 archs"
grep -q '"tau_calibrated_leave_one_out"' "$DIR/run/calibration.json" || fail "calibration.json has no leave-one-out tau"
grep -q '^| accuracy | `.*Kendall tau' "$DIR/run/report.md" || fail "report does not say how the accuracy was calibrated"
# The preset times the search's best 2 archs on the target, searching again when the pick misses T.
grep -q '"chosen_measured_ms"' "$DIR/run/latency_check.json" || fail "latency_check.json has no measured pick"
grep -q '^| latency check | .* timed on the target' "$DIR/run/report.md" || fail "report has no latency check row"
# every evaluated arch is logged once
[ "$(tail -n +2 "$DIR/run/search.csv" | cut -d, -f2- | sort | uniq -d | wc -l)" -eq 0 ] || fail "search.csv repeats an arch"

# A finished run resumes without redoing work: same best arch.
before=$(grep '^best arch' "$DIR/out.txt")
"$HWNAS" run --preset smoke --run-dir "$DIR/run" --threads 1 --resume > "$DIR/out2.txt" 2> "$DIR/err2.txt" \
  || { tail -5 "$DIR/err2.txt"; fail "resume exited non-zero"; }
[ "$before" = "$(grep '^best arch' "$DIR/out2.txt")" ] || fail "resume changed the result"
grep -q "already trained; reusing it" "$DIR/err2.txt" || fail "resume retrained the supernet"
! grep -q "rerank_[0-9] epoch" "$DIR/err2.txt" || fail "resume re-ran the re-ranking trainings"
! grep -q "calib_[0-9] epoch" "$DIR/err2.txt" || fail "resume re-ran the calibration trainings"
! grep -q "latency check: timing" "$DIR/err2.txt" || fail "resume timed the latency check's archs again"
# The resolved config.yaml reproduces the run.
"$HWNAS" --config "$DIR/run/config.yaml" run --resume > "$DIR/out3.txt" 2> "$DIR/err3.txt" \
  || { tail -5 "$DIR/err3.txt"; fail "run from config.yaml exited non-zero"; }
[ "$before" = "$(grep '^best arch' "$DIR/out3.txt")" ] || fail "config.yaml did not reproduce the run"

# A second budget with --reuse: the table, supernet and baselines come from the first run.
T2=$(sed -n 's/^| latency budget T | \([0-9.]*\) ms.*/\1/p' "$DIR/run/report.md" | awk '{print $1 * 1.1 "ms"}')
[ -n "$T2" ] || fail "report.md has no latency budget row"
# It also widens the re-ranking candidates to the budget.
"$HWNAS" run --preset smoke --run-dir "$DIR/run2" --threads 1 --latency "$T2" --reuse "$DIR/run" --widen \
  > "$DIR/out4.txt" 2> "$DIR/err4.txt" || { tail -5 "$DIR/err4.txt"; fail "run --reuse exited non-zero"; }
grep -q "reusing from .*lut.json, supernet.pt" "$DIR/err4.txt" || fail "--reuse copied nothing"
grep -q "already trained; reusing it" "$DIR/err4.txt" || fail "--reuse retrained the supernet"
! grep -q "profiling [1-9]" "$DIR/err4.txt" || fail "--reuse profiled the target again"
! grep -q "baseline_[a-z0-9_.]* epoch" "$DIR/err4.txt" || fail "--reuse retrained a baseline"
[ -s "$DIR/run2/report.md" ] || fail "run --reuse wrote no report"
# widen.csv: candidate,predicted_ms,mean_width,widened_predicted_ms,widened_mean_width,measured_ms,chosen,...
[ "$(tail -n +2 "$DIR/run2/widen.csv" | wc -l)" -eq 2 ] || fail "widen.csv does not hold the 2 candidates"
[ -z "$(awk -F, 'NR > 1 && ($5 < $3 || $4 < $2 || $6 <= 0)' "$DIR/run2/widen.csv")" ] \
  || fail "widen.csv: a candidate got narrower or faster, or was not timed"
[ "$(awk -F, 'NR > 1 { s += $7 } END { print s }' "$DIR/run2/widen.csv")" -eq 1 ] || fail "widen.csv does not mark one pick"
grep -q '^## Widening' "$DIR/run2/report.md" || fail "report has no widening section"
picked=$(awk -F'"' 'NR > 1 { split($1, f, ","); if (f[7] == 1) print $4 }' "$DIR/run2/widen.csv")
grep -qF "\"arch\": \"$picked\"" "$DIR/run2/best.json" || fail "best.json is not the widened pick ($picked)"
# More seeds on --resume: only the new trainings run; mean and sd reported.
"$HWNAS" run --preset smoke --run-dir "$DIR/run2" --threads 1 --latency "$T2" --resume --widen --retrain-seeds 2 \
  > "$DIR/out5.txt" 2> "$DIR/err5.txt" || { tail -5 "$DIR/err5.txt"; fail "resume with --retrain-seeds 2 exited non-zero"; }
grep -q "final_seed1 epoch" "$DIR/err5.txt" || fail "--retrain-seeds 2 did not train the searched net a second time"
grep -q "baseline_shufflenetv2_w1_seed1 epoch" "$DIR/err5.txt" || fail "--retrain-seeds 2 did not train a baseline again"
! grep -q "final epoch" "$DIR/err5.txt" || fail "--retrain-seeds 2 retrained the first seed"
grep -q "mean and sample sd over 2 seeds" "$DIR/out5.txt" || fail "summary does not say it averages 2 seeds"
grep -q "% ± [0-9]" "$DIR/run2/report.md" || fail "report gives no sd over seeds"
[ -z "$(awk -F, 'NR > 1 && $NF != 2' "$DIR/run2/pareto.csv")" ] || fail "pareto.csv does not count 2 seeds per net"

# Bad input: one clear line and a non-zero exit, no stack trace.
expect_error() {
  local needle=$1; shift
  if "$HWNAS" "$@" > "$DIR/bad.txt" 2>&1; then fail "accepted: $*"; fi
  grep -q "$needle" "$DIR/bad.txt" || { cat "$DIR/bad.txt"; fail "message lacks '$needle' for: $*"; }
  tail -1 "$DIR/bad.txt" | grep -q "^hwnas: error: " || { cat "$DIR/bad.txt"; fail "last line is not one error line for: $*"; }
  ! grep -q "Exception raised from\|terminate called\|Segmentation" "$DIR/bad.txt" || fail "crash or trace for: $*"
}
expect_error "feasible range" run --preset smoke --run-dir "$DIR/run" --threads 1 --resume --latency 1us
expect_error "unknown preset" run --preset fast --run-dir "$DIR/x"
expect_error "unknown search space" run --space nope --run-dir "$DIR/x"
expect_error "latency" run --latency 3parsecs --run-dir "$DIR/x"
expect_error "has 1 layers" retrain --arch "k9@1" --run-dir "$DIR/x"
expect_error "no such directory" run --dataset mnist-idx:/nonexistent --run-dir "$DIR/x"
expect_error "rerank must be 0 or more" run --rerank -1 --run-dir "$DIR/x"
expect_error "calibrate needs 0 (off) or at least 4" run --calibrate 2 --run-dir "$DIR/x"
expect_error "latency-check must be in 0..100" run --latency-check -1 --run-dir "$DIR/x"
expect_error "latency-rounds must be in 1..10" run --latency-rounds 0 --run-dir "$DIR/x"
expect_error "no archs to measure" latency measure --lut "$DIR/run/lut.json"
expect_error "retrain-seeds must be at least 1" run --retrain-seeds 0 --run-dir "$DIR/x"
expect_error "not a run directory" run --reuse "$DIR/nonexistent" --run-dir "$DIR/x"
echo "smoke run: ok"
