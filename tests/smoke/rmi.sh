#!/usr/bin/env bash
# End-to-end HW-EvRSNAS on a tiny NB201 network and slices of Fashion-MNIST:
# train the reference, score random archs against stand-alone training
# (Kendall tau), resume the scores, and run a one-generation GA with the
# latency penalty over the NB201 Raspberry Pi 4 table.
# Usage: bash tests/smoke/rmi.sh path/to/hwnas   (from the repository root)
set -euo pipefail
HWNAS=${1:?usage: rmi.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
LAT="data/nb201/latency.csv:raspi4_ms"
COMMON=(--space "nb201:C=2,N=1,in_channels=1,in_size=28" --run-dir "$DIR/run" --threads 1
        --ref-epochs 1 --ref-limit 512 --rmi-steps 2 --rmi-batch-size 8)

"$HWNAS" rmi reference "${COMMON[@]}" >"$DIR/ref.txt" 2>/dev/null
grep -q "^reference |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|$" "$DIR/ref.txt"
grep -q "^test accuracy " "$DIR/ref.txt"
test -s "$DIR/run/rmi_reference.pt"

SCORE=(--random 4 --standalone-epochs 1 --standalone-limit 256 --standalone-valid 200)
"$HWNAS" rmi score "${COMMON[@]}" "${SCORE[@]}" >"$DIR/score.txt" 2>"$DIR/score.err"
grep -q "reusing reference" "$DIR/score.err"
grep -q "^Kendall tau-b (RMI vs stand-alone accuracy, 4 archs): " "$DIR/score.txt"
test "$(wc -l <"$DIR/run/rmi_scores.csv")" -eq 5
head -1 "$DIR/run/rmi_scores.csv" | grep -q "^arch,rmi,rmi_layer1,rmi_layer2,rmi_layer3,task_loss,"
# A second call reuses every row: identical output.
"$HWNAS" rmi score "${COMMON[@]}" "${SCORE[@]}" >"$DIR/score2.txt" 2>/dev/null
diff <(grep -v "^RMI cost" "$DIR/score.txt") <(grep -v "^RMI cost" "$DIR/score2.txt")
# Scoring a subset keeps the other rows.
FIRST=$(sed -n 2p "$DIR/run/rmi_scores.csv" | cut -d, -f1)
"$HWNAS" rmi score "${COMMON[@]}" --arch "$FIRST" --standalone-epochs 1 --standalone-limit 256 \
  --standalone-valid 200 >"$DIR/score3.txt" 2>/dev/null
grep -q "^Kendall" "$DIR/score3.txt" && { echo "one arch has no tau"; exit 1; }
grep -q "^RMI cost .* (mean over 1)$" "$DIR/score3.txt"
test "$(wc -l <"$DIR/run/rmi_scores.csv")" -eq 5
# Other settings into the same CSV are refused.
if "$HWNAS" rmi score "${COMMON[@]}" "${SCORE[@]}" --beta 0.5 >/dev/null 2>"$DIR/err.txt"; then
  echo "expected a settings error"; exit 1
fi
grep -q "other settings" "$DIR/err.txt"

"$HWNAS" rmi search "${COMMON[@]}" --latency-table "$LAT" --latency 20ms --strategy ga:N=4,G=1 \
  >"$DIR/search.txt" 2>"$DIR/search.err"
grep -q "^best arch |" "$DIR/search.txt"
grep -q "s per candidate (RMI proxy)$" "$DIR/search.txt"
grep -q "^generation 1: " "$DIR/search.err"
test -s "$DIR/run/rmi_search.csv"
grep -q '"rmi_seconds_per_candidate"' "$DIR/run/rmi_best.json"

# RMI needs stage features: a chain space is refused with one line.
if "$HWNAS" rmi reference --space hsconas --run-dir "$DIR/run3" >/dev/null 2>"$DIR/err2.txt"; then
  echo "expected an error for a chain space"; exit 1
fi
grep -q "RMI supports nb201 spaces" "$DIR/err2.txt"
test ! -e "$DIR/run3/rmi_reference.pt"
echo "rmi smoke test passed"
