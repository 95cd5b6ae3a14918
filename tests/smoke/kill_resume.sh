#!/usr/bin/env bash
# Kill and resume: `hwnas run --preset smoke` killed with SIGKILL at random
# moments, resumed after each kill, ends with exactly the result of an
# uninterrupted run with the same seed (the pick, every training's weights,
# the search log), and no kill leaves a record unreadable. A run directory on
# a read-only or full disk gets one clear error and keeps what it wrote.
# Latency comes from a table made once (table:FILE, this machine's), so the
# comparison holds bit for bit; the measured finals' timings are left out. T is
# the table's median, which every machine's table has archs around.
# Usage: kill_resume.sh path/to/hwnas [KILLS] [SEED]
set -euo pipefail
HWNAS=${1:?usage: kill_resume.sh path/to/hwnas [KILLS] [SEED]}
KILLS=${2:-4}
RANDOM=${3:-$$}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The table: profiled once by a short run of its own.
"$HWNAS" profile --space hsconas --out "$DIR/lut.json" --repetitions 2 --min-time 0.1ms --bias-archs 2 \
  > /dev/null 2> "$DIR/profile.txt" || { tail -5 "$DIR/profile.txt"; fail "profile"; }
ARGS=(run --preset smoke --threads 1 --target "table:$DIR/lut.json" --latency 1x --latency-check 0)

# Every JSON record parses, no checkpoint is empty, no stray temporary file remains named as a record.
readable() {
  local f
  for f in "$1"/*.json "$1"/stages/*.json; do
    [ -e "$f" ] || continue
    jq empty "$f" 2>/dev/null || fail "after kill $2: $f is not valid JSON"
  done
  for f in "$1"/*.pt; do
    [ -e "$f" ] || continue
    [ -s "$f" ] || fail "after kill $2: $f is empty"
  done
}

# The result without its timings (a measured latency differs run to run, and
# so does whether a pick measured near T lands within it).
result() {
  jq -S 'del(.measured_latency_ms, .measured_latency_raw_ms, .drift_since_profile, .checked_latency_ms, .within_budget,
             .random_baseline.mean_measured_ms, .random_baseline.pick_lead_in_standard_errors)' "$1/best.json"
  cat "$1/search.csv" "$1/rerank.csv" "$1/shrink.json"
  sha256sum "$1"/*.pt | sed "s|$1/||"
}

start=$SECONDS
"$HWNAS" "${ARGS[@]}" --run-dir "$DIR/ref" > /dev/null 2> "$DIR/ref.txt" || { tail -5 "$DIR/ref.txt"; fail "reference run"; }
ref_seconds=$((SECONDS - start > 1 ? SECONDS - start : 1))

# Kill points: KILLS random moments in the first 70% of the reference run's
# length (tenths of a second, sorted); attempt k lives from its start until
# the gap between point k-1 and point k, then the next attempt resumes. A
# resumed attempt repeats some work, so every point falls before the end.
R=$DIR/killed
points=($(for ((k = 0; k < KILLS; k++)); do echo $((10 + RANDOM % (ref_seconds * 7))); done | sort -n))
landed=0
previous=0
args=("${ARGS[@]}" --run-dir "$R")
for point in "${points[@]}" end; do
  "$HWNAS" "${args[@]}" > /dev/null 2> "$DIR/attempt$landed.txt" &
  pid=$!
  if [ "$point" = end ]; then
    wait $pid || { tail -5 "$DIR/attempt$landed.txt"; fail "the last resume exited non-zero"; }
    break
  fi
  delay=$((point - previous > 5 ? point - previous : 5))
  previous=$point
  for ((t = 0; t < delay; t++)); do
    kill -0 $pid 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL $pid 2> /dev/null || { wait $pid; fail "attempt $((landed + 1)) ended before its kill point"; }
  wait $pid 2> /dev/null || true
  landed=$((landed + 1))
  stage=$(grep -o '^== \[[0-9]*/[0-9]*\] [a-z0-9]*' "$DIR/attempt$((landed - 1)).txt" | tail -1 || true)
  echo "kill $landed after $((delay / 10)).$((delay % 10)) s, in ${stage:-start-up}"
  readable "$R" $landed
  args=("${ARGS[@]}" --run-dir "$R" --resume)
done
[ $landed -eq "$KILLS" ] || fail "only $landed of $KILLS kills landed"
diff <(result "$DIR/ref") <(result "$R") > "$DIR/diff.txt" || { head -20 "$DIR/diff.txt"; fail "killed run differs"; }
echo "kill_resume: $landed kills survived, result identical to the uninterrupted run (${ref_seconds} s)"

# A run directory on a read-only disk and on a full one: the last line says
# what failed (no crash, no trace), the exit is 1, and every record written
# before the failure stays readable with no partial copy left behind.
refused() {  # refused NAME RUN-DIR [runner...]
  local name=$1 run=$2
  shift 2
  "$@" "$HWNAS" "${ARGS[@]}" --run-dir "$run" > /dev/null 2> "$DIR/$name.txt" && fail "$name: run succeeded"
  local last
  last=$(tail -1 "$DIR/$name.txt")
  [[ "$last" == "hwnas: error: "* ]] || fail "$name: last line is not one error: $last"
  ! grep -qiE "terminate called|stack trace|Exception raised from" "$DIR/$name.txt" || fail "$name: a crash"
  if [ -d "$run" ]; then
    readable "$run" "$name"
    ! ls "$run"/*.tmp > /dev/null 2>&1 || fail "$name: partial files left: $(ls "$run"/*.tmp)"
  fi
  echo "$name: $last"
}
mounted=()
trap 'for m in "${mounted[@]}"; do umount "$m"; done; rm -rf "$DIR"' EXIT
mkdir -p "$DIR/ro" "$DIR/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o ro,size=1m tmpfs "$DIR/ro" 2> /dev/null; then
  mounted+=("$DIR/ro")
  mount -t tmpfs -o size=300k tmpfs "$DIR/full" && mounted+=("$DIR/full")
  refused read-only "$DIR/ro/run"
  grep -q "Read-only file system" "$DIR/read-only.txt" || fail "read-only: the error does not say so"
  refused full-disk "$DIR/full/run"
  grep -q "No space left on device" "$DIR/full-disk.txt" || fail "full disk: the error does not say so"
else
  # No mounts here: a directory without write permission (not binding for
  # root) and a file-size limit (EFBIG) stand in for the two disks.
  if [ "$(id -u)" -ne 0 ]; then
    chmod 0555 "$DIR/ro"
    refused read-only "$DIR/ro/run"
  fi
  full_disk() { (trap '' XFSZ; ulimit -f 300; exec "$@"); }
  refused full-disk "$DIR/full/run" full_disk
fi
