#!/usr/bin/env bash
# End-to-end smoke test of the differentiable methods: `hwnas run --method
# lightnas` and `--method surgenas` on a small slice of Fashion-MNIST and a
# one-layer-per-stage mbv2 space, LightNAS with a learned MLP latency model,
# resume, and bad input. Assertions read the run's JSON records (jq).
set -euo pipefail
HWNAS=${1:?usage: diff.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { jq -e "$1" "$2" >/dev/null || fail "$2: $1 does not hold (${3:-})"; }
SPACE="mbv2:depths=1/1/1/1/1/1/1,channels=8/8/16/16/24/24/32,head=64"
KEYS='["arch","checked_latency_ms","dataset","drift_since_profile","latency_budget_ms","macs","measured_latency_ms","measured_latency_raw_ms","method","parameters","picked_from","predicted_latency_ms","random_baseline","search_score","search_score_kind","space","standalone_search_valid_accuracy","target","test_accuracies","test_accuracy","test_accuracy_sd","within_budget"]'

"$HWNAS" run --method lightnas --preset smoke --space "$SPACE" --diff-latency mlp:epochs=20 --predictor-archs 24 \
  --predictor-test-archs 12 --run-dir "$DIR/ln" --threads 1 > "$DIR/out1.txt" 2> "$DIR/err1.txt" \
  || { tail -20 "$DIR/err1.txt"; fail "hwnas run --method lightnas exited non-zero"; }
R=$DIR/ln
for s in profile predictor search retrain measure report; do
  check '.stage and .settings and (.seconds >= 0) and .record' "$R/stages/$s.json" "stage record"
done
check '.method == "lightnas" and (.measured_latency_ms > 0) and (.predicted_latency_ms > 0) and (.test_accuracy >= 0)' "$R/best.json"
[ "$(jq -c 'keys' "$R/best.json")" = "$KEYS" ] || fail "best.json of lightnas has another schema: $(jq -c keys "$R/best.json")"
# The learned model was fitted on measured archs and scored beside LUT + bias on held-out ones.
check '.record.validation["lut+bias"].n == 12 and (.record.validation | has("mlp:epochs=20")) and (.record.model | startswith("mlp"))' \
  "$R/stages/predictor.json" "predictor validation"
# Two search epochs, the second with the logits learning and lambda moving.
check '(.record.epochs | length) == 2 and .record.logit_steps > 0 and (.record.epochs[1].alpha_lr > 0)' "$R/stages/search.json"
[ "$(($(wc -l < "$R/search_steps.csv") - 1))" = "$(jq '.record.logit_steps' "$R/stages/search.json")" ] || fail "search_steps.csv"
for f in search_epochs.csv search_steps.csv search.ckpt report.md pareto.csv; do [ -s "$R/$f" ] || fail "lacks $f"; done
grep -q "## The differentiable search" "$R/report.md" || fail "report lacks the search section"

# Resume replays the finished search from its checkpoint: same arch, nothing trained again.
arch=$(jq -r .arch "$R/best.json")
"$HWNAS" run --method lightnas --preset smoke --space "$SPACE" --diff-latency mlp:epochs=20 --predictor-archs 24 \
  --predictor-test-archs 12 --run-dir "$R" --threads 1 --resume > /dev/null 2> "$DIR/err2.txt" \
  || { tail -20 "$DIR/err2.txt"; fail "resume exited non-zero"; }
[ "$(jq -r .arch "$R/best.json")" = "$arch" ] || fail "resume changed the pick"
check '.record.resumed == true' "$R/stages/search.json"

# SurgeNAS: one-level with beta, without the identity-mapping regulariser.
"$HWNAS" run --method surgenas --preset smoke --space "$SPACE" --phi 0 --run-dir "$DIR/sg" --threads 1 \
  > /dev/null 2> "$DIR/err3.txt" || { tail -20 "$DIR/err3.txt"; fail "hwnas run --method surgenas exited non-zero"; }
check '.method == "surgenas" and (.measured_latency_ms > 0)' "$DIR/sg/best.json"
[ "$(jq -c 'keys' "$DIR/sg/best.json")" = "$KEYS" ] || fail "best.json of surgenas has another schema"
check '.settings.beta == 0.5 and .settings.phi == 0 and .record.logit_steps == 0 and (.record.skips | type == "number")' \
  "$DIR/sg/stages/search.json"

# LightNAS stage 2: the LightNet's widths by evolution on BTE, under the
# LightNet's own table at every width; the LightNet stays among the finals.
W_SEARCH="evolution:G=2,P=4,K=2,pc=0.5,pm=0.5,init=0.9,near=0.9"
W_PROXY="bte:epochs=3,images=128,batch=32"
"$HWNAS" run --method lightnas --preset smoke --space "$SPACE" --width-search "$W_SEARCH" --width-proxy "$W_PROXY" \
  --run-dir "$DIR/w" --threads 1 > /dev/null 2> "$DIR/err4.txt" || { tail -20 "$DIR/err4.txt"; fail "lightnas stage 2 exited non-zero"; }
R=$DIR/w
for s in profile predictor search profile-widths widths retrain measure report; do
  check '.stage and .settings and .record' "$R/stages/$s.json" "stage record"
done
check '.record.evaluations >= 4 and (.record.predicted_ms <= .settings.T_ms) and (.record.score | type == "number")' \
  "$R/stages/widths.json" "stage 2 record"
check '(.space | endswith("widths=0.5/0.75/1/1.25/1.5/1.75/2")) and (.search_score_kind | startswith("stage 2"))' "$R/best.json"
[ "$(jq -c 'keys' "$R/best.json")" = "$KEYS" ] || fail "best.json of lightnas stage 2 has another schema"
[ "$(jq -r .arch "$R/best.json")" = "$(jq -r .record.arch "$R/stages/widths.json")" ] || fail "best.json is not stage 2's pick"
check '[.[] | .label] | index("LightNet (stage 1)") != null' <(jq '[.record.nets[]]' "$R/stages/retrain.json") "the LightNet retrained"
for f in widths_search.csv widths_scores.json lut_widths.json; do [ -s "$R/$f" ] || fail "lacks $f"; done
grep -q "## Stage 2: the LightNet's widths" "$R/report.md" || fail "report lacks the stage 2 section"
# Resume trains no candidate again: every score comes from widths_scores.json.
"$HWNAS" run --method lightnas --preset smoke --space "$SPACE" --width-search "$W_SEARCH" --width-proxy "$W_PROXY" \
  --run-dir "$R" --threads 1 --resume > /dev/null 2> "$DIR/err5.txt" || { tail -20 "$DIR/err5.txt"; fail "stage 2 resume"; }
check '.record.reused > .record.evaluations' "$R/stages/widths.json" "stage 2 resume reused its scores"
! grep -q "^  BTE" "$DIR/err5.txt" || fail "stage 2 resume trained candidates again"

# Bad input: one line, non-zero exit.
expect_error() {
  local want=$1; shift
  if "$HWNAS" "$@" > /dev/null 2> "$DIR/bad.txt"; then fail "hwnas $* should fail"; fi
  grep -q "$want" "$DIR/bad.txt" || fail "hwnas $*: expected '$want', got: $(cat "$DIR/bad.txt")"
  [ "$(wc -l < "$DIR/bad.txt")" -le 2 ] || fail "hwnas $*: error is not one line: $(cat "$DIR/bad.txt")"
}
expect_error "unknown model" run --method lightnas --preset smoke --space "$SPACE" --diff-latency nope --run-dir "$DIR/b1"
expect_error "frozen epochs" run --method lightnas --preset smoke --space "$SPACE" --search-freeze-epochs 5 --run-dir "$DIR/b2"
expect_error "second stage" run --method surgenas --preset smoke --space "$SPACE" --width-search evolution --run-dir "$DIR/b4"
expect_error "epochs must be >= 2" run --method lightnas --preset smoke --space "$SPACE" --width-search evolution \
  --width-proxy bte:epochs=1 --run-dir "$DIR/b5"
expect_error "chain spaces" run --method surgenas --preset smoke --space nb201:in_channels=1,in_size=28 --run-dir "$DIR/b3"
echo "diff smoke test passed"
