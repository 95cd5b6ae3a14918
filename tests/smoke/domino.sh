#!/usr/bin/env bash
# End-to-end smoke test of `hwnas run --method domino` on a one-block-per-
# stage domino space and a small slice of Fashion-MNIST: the folding table,
# proxy and real pairs, the MAML predictor scored on held-out pairs, the
# search, the finals measured folded; resume, and bad input. Assertions read
# the run's JSON records (jq).
set -euo pipefail
HWNAS=${1:?usage: domino.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { jq -e "$1" "$2" >/dev/null || fail "$2: $1 does not hold (${3:-})"; }
SPACE="domino:depths=1/1/1/1/1/1/1,channels=8/8/16/16/24/24/32,head=64"
ARGS=(run --method domino --preset smoke --space "$SPACE" --valid-per-class 20 --threads 1 --jobs 1)

"$HWNAS" "${ARGS[@]}" --run-dir "$DIR/d" > "$DIR/out1.txt" 2> "$DIR/err1.txt" \
  || { tail -20 "$DIR/err1.txt"; fail "hwnas run --method domino exited non-zero"; }
R=$DIR/d
for s in profile pairs predictor search retrain measure report; do
  check '.stage and .settings and .record' "$R/stages/$s.json" "stage record"
done
# Every network was timed folded, the grafted blocks collapsed.
check '.method == "domino" and .target.fold == true and (.measured_latency_ms > 0)' "$R/best.json"
check '.search_score_kind | startswith("MAML")' "$R/best.json"
check '[.record.pairs[] | .set] | (map(select(. == "proxy")) | length) == 20 and (map(select(. == "real")) | length) == 3 and (map(select(. == "test")) | length) == 2' \
  "$R/stages/pairs.json" "pairs"
check '.record.test.pairs == 2 and (.record.test.maml.rmse | type == "number") and (.record.test.real_pairs_alone.rmse | type == "number")' \
  "$R/stages/predictor.json" "predictor scored on held-out pairs"
check '.record.evaluations > 0 and (.record.predicted_ms <= .settings.T_ms)' "$R/stages/search.json"
# The latency check timed the preset's 2 best masks and picked one measured within T, or the fastest.
check '(.record.latency_check.candidates | length) == 2 and .record.latency_check.checked_ms > 0' "$R/stages/search.json"
check '(.record.latency_check.checked_ms <= .settings.T_ms) or (.record.latency_check.checked_ms == ([.record.latency_check.candidates[].measured_ms] | min))' \
  "$R/stages/search.json" "within T, else the fastest"
check '.record.nets[0].checked_ms > 0' "$R/stages/measure.json"
for f in proxy_pairs.json real_pairs.json search.csv report.md; do [ -s "$R/$f" ] || fail "lacks $f"; done
grep -q "## Domino" "$R/report.md" || fail "report lacks the Domino section"
grep -q "BatchNorm folded" "$R/report.md" || fail "report does not say the networks were timed folded"

# Resume trains no pair again: their scores come from the pair files.
"$HWNAS" "${ARGS[@]}" --run-dir "$R" --resume > /dev/null 2> "$DIR/err2.txt" \
  || { tail -20 "$DIR/err2.txt"; fail "resume exited non-zero"; }
! grep -q "^  proxy\|^  real" "$DIR/err2.txt" || fail "resume trained pairs again"

# Domino-Pro on resume: the pick again with grafted blocks twice as wide
# inside, second in the finals, trained and timed folded; nothing else again.
pick_time=$(stat -c %Y "$R/final.pt")
"$HWNAS" "${ARGS[@]}" --run-dir "$R" --resume --graft-widen 2 > /dev/null 2> "$DIR/err3.txt" \
  || { tail -20 "$DIR/err3.txt"; fail "resume with --graft-widen 2 exited non-zero"; }
check '.record.nets[1].name == "final_pro" and (.record.nets[1].label | test("Domino-Pro x2")) and
       .record.nets[1].parameters > .record.nets[0].parameters' "$R/stages/retrain.json" "Domino-Pro trained wider"
check '.record.nets[1].name == "final_pro" and .record.nets[1].measured_ms > 0' "$R/stages/measure.json"
[ -s "$R/final_pro.pt" ] || fail "no final_pro.pt"
[ "$(stat -c %Y "$R/final.pt")" = "$pick_time" ] || fail "--graft-widen trained the pick again"

expect_error() {
  local want=$1; shift
  if "$HWNAS" "$@" > /dev/null 2> "$DIR/bad.txt"; then fail "hwnas $* should fail"; fi
  grep -q "$want" "$DIR/bad.txt" || fail "hwnas $*: expected '$want', got: $(cat "$DIR/bad.txt")"
  [ "$(wc -l < "$DIR/bad.txt")" -le 2 ] || fail "hwnas $*: error is not one line: $(cat "$DIR/bad.txt")"
}
expect_error "graft masks" run --method domino --preset smoke --space mbv2 --run-dir "$DIR/b1"
expect_error "proxy-pairs" run --method domino --preset smoke --space "$SPACE" --proxy-pairs 5 --run-dir "$DIR/b2"
expect_error "graft-widen must be in 1..8" run --method domino --preset smoke --space "$SPACE" --graft-widen 0 --run-dir "$DIR/b4"
expect_error "table of measurements" run --method domino --preset smoke --space "$SPACE" --target table:x.csv --run-dir "$DIR/b3"
echo "domino smoke test passed"
