#!/usr/bin/env bash
# Data-parallel training across processes: `hwnas launch --nproc 2` runs a
# short stand-alone training as two Gloo ranks on loopback, rank 0 writes
# the weights; a rank killed mid-run stops the job, and the checkpoint it
# leaves resumes to the uninterrupted job's weights; commands that are not
# data-parallel are refused.
# Usage: bash tests/smoke/launch.sh path/to/hwnas
set -euo pipefail
HWNAS=${1:?usage: launch.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ARGS=(--space "hsconas:depths=1/1/1/1,channels=16/32/48/64,stem=8,head=32" --arch "k3@1,k5@1,x@1,k3@1"
      --epochs 1 --limit 512 --batch-size 64 --threads 1)
"$HWNAS" launch --nproc 2 -- retrain "${ARGS[@]}" --run-dir "$DIR/dp" > "$DIR/out.txt" 2> "$DIR/err.txt" \
  || { tail -5 "$DIR/err.txt"; fail "launch --nproc 2 retrain"; }
[ -s "$DIR/dp/final.pt" ] || fail "rank 0 wrote no weights"
[ "$(grep -c '^test accuracy' "$DIR/out.txt")" = 1 ] || fail "expected one summary (rank 0's), got: $(cat "$DIR/out.txt")"

# Kill rank 1 once rank 0 has checkpointed (every 200 steps; 256 steps in all).
LONG=(--space "hsconas:depths=1/1/1/1,channels=16/32/48/64,stem=8,head=32" --arch "k3@1,k5@1,x@1,k3@1"
      --epochs 2 --limit 1024 --batch-size 8 --threads 1)
"$HWNAS" launch --nproc 2 -- retrain "${LONG[@]}" --run-dir "$DIR/whole" > /dev/null 2> "$DIR/whole.txt" \
  || { tail -5 "$DIR/whole.txt"; fail "uninterrupted 2-rank training"; }
"$HWNAS" launch --nproc 2 -- retrain "${LONG[@]}" --run-dir "$DIR/cut" > /dev/null 2> "$DIR/cut.txt" &
launcher=$!
for ((t = 0; t < 600; t++)); do
  [ -s "$DIR/cut/final.ckpt" ] && break
  kill -0 $launcher 2> /dev/null || fail "the job ended before its first checkpoint"
  sleep 0.1
done
rank1=""
for p in $(pgrep -P $launcher); do
  tr '\0' '\n' < /proc/$p/environ | grep -qx "RANK=1" && rank1=$p
done
[ -n "$rank1" ] || fail "no rank 1 among the launcher's children"
kill -KILL "$rank1"
if wait $launcher; then fail "the job succeeded without rank 1"; fi
grep -q "rank 1" "$DIR/cut.txt" || fail "no word of the dead rank: $(tail -2 "$DIR/cut.txt")"
[ ! -e "$DIR/cut/final.pt" ] || fail "a killed job wrote final weights"
"$HWNAS" launch --nproc 2 -- retrain "${LONG[@]}" --run-dir "$DIR/cut" --resume > /dev/null 2> "$DIR/resume.txt" \
  || { tail -5 "$DIR/resume.txt"; fail "resume after a killed rank"; }
cmp -s "$DIR/whole/final.pt" "$DIR/cut/final.pt" || fail "resumed weights differ from the uninterrupted job's"

if "$HWNAS" launch --nproc 2 -- run --run-dir "$DIR/x" > "$DIR/bad.txt" 2>&1; then fail "launch run accepted"; fi
grep -q "is not data-parallel" "$DIR/bad.txt" || fail "launch run: $(cat "$DIR/bad.txt")"
if WORLD_SIZE=2 RANK=0 "$HWNAS" retrain "${ARGS[@]}" --run-dir "$DIR/y" > "$DIR/bad.txt" 2>&1; then fail "half an environment accepted"; fi
grep -q "MASTER_ADDR or MASTER_PORT is not set" "$DIR/bad.txt" || fail "no clear error: $(tail -2 "$DIR/bad.txt")"
echo "smoke launch: ok"
