#!/usr/bin/env bash
# The resolved config of every command that writes one lists every option
# the command has (those --help shows, but the token) and, read back with
# --config, resolves to exactly the same settings: train, retrain, rmi
# reference / score / search and hurricane search on a tiny slice (hwnas
# run's round trip is in run.sh).
# Usage: bash tests/smoke/config.sh path/to/hwnas
set -euo pipefail
HWNAS=${1:?usage: config.sh path/to/hwnas}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# round_trip NAME FILE "COMMAND WORDS" ARGS...: run it, check FILE (in the
# run directory) against --help, run it again from FILE, compare the two.
round_trip() {
  local name=$1 file=$2 run="$DIR/$1"
  local -a words
  read -r -a words <<< "$3"
  shift 3
  "$HWNAS" "${words[@]}" "$@" --run-dir "$run" > "$DIR/$name.out" 2> "$DIR/$name.err" \
    || { tail -3 "$DIR/$name.err"; fail "$name exited non-zero"; }
  for flag in $("$HWNAS" "${words[@]}" --help | grep -o -- '^ *--[a-z0-9-]*' | sed 's/^ *--//' \
                | grep -v -x 'help\|token'); do
    grep -q "^ *$flag:" "$run/$file" || fail "$name: $file lacks --$flag"
  done
  cp "$run/$file" "$DIR/$name.yaml"
  local -a again=()
  "$HWNAS" "${words[@]}" --help | grep -q -- '--resume' && again=(--resume)
  "$HWNAS" "${words[@]}" --config "$DIR/$name.yaml" "${again[@]}" > "$DIR/$name.2.out" 2> "$DIR/$name.2.err" \
    || { tail -3 "$DIR/$name.2.err"; fail "$name from its config exited non-zero"; }
  diff <(grep -v '^ *resume:' "$DIR/$name.yaml") <(grep -v '^ *resume:' "$run/$file") \
    || fail "$name: the config read back resolves to other settings"
}

SLICE=(--epochs 1 --limit 256 --batch-size 64 --threads 1 --valid-per-class 20)
round_trip train config.yaml "train" --space "hsconas:layout=small" "${SLICE[@]}"
round_trip retrain net.config.yaml "retrain" --space "hsconas:layout=small" --arch largest --name net "${SLICE[@]}"
round_trip rmi rmi_reference.config.yaml "rmi reference" --space "nb201:C=2,N=1,in_channels=1,in_size=28" \
  --ref-epochs 1 --ref-limit 256 --threads 1 --valid-per-class 20
NB201=(--space "nb201:C=2,N=1,in_channels=1,in_size=28" --ref-epochs 1 --ref-limit 256 --threads 1
       --valid-per-class 20 --rmi-steps 2 --rmi-batch-size 8)
round_trip rmi_score rmi_score.config.yaml "rmi score" "${NB201[@]}" --random 2
round_trip rmi_search rmi_search.config.yaml "rmi search" "${NB201[@]}" \
  --latency-table data/nb201/latency.csv:raspi4_ms --latency 20ms --strategy ga:N=4,G=1
SPACE="hurricane:channels=8/16/24/32,stem=4,head=32"
"$HWNAS" profile --space "$SPACE" --target local:threads=1,batch=1 --warmup 0 --min-time 1ms --repetitions 3 \
  --quiet --bias-archs 2 --out "$DIR/lut.json" > /dev/null
round_trip hurricane config.yaml "hurricane search" --space "$SPACE" --lut "$DIR/lut.json" --latency 1s \
  --limit 128 --epochs 1 --batch-size 64 --strategy random:N=4 --valid-images 100 --bn-images 64 --threads 1 \
  --valid-per-class 20
# A key no option of the command knows is refused by name.
printf 'train:\n  epochs: 1\n  bogus: 3\n' > "$DIR/bad.yaml"
if "$HWNAS" train --config "$DIR/bad.yaml" --run-dir "$DIR/bad" > /dev/null 2> "$DIR/bad.err"; then
  fail "an unknown config key was accepted"
fi
grep -q "config: 'train.bogus' is not an option" "$DIR/bad.err" || fail "unclear error: $(cat "$DIR/bad.err")"
# A GPU this LibTorch or machine lacks: one line saying why, before any data is read.
if ! "$HWNAS" retrain --help | grep -q -- '--device'; then fail "retrain has no --device"; fi
if [ -z "$(command -v nvidia-smi)" ]; then
  for cmd in "retrain --device cuda --run-dir $DIR/gpu" "run --device cuda:1 --run-dir $DIR/gpu" \
             "profile --target cuda --out $DIR/gpu.json"; do
    read -r -a words <<< "$cmd"
    if "$HWNAS" "${words[@]}" > /dev/null 2> "$DIR/gpu.err"; then fail "$cmd was accepted"; fi
    [ "$(wc -l < "$DIR/gpu.err")" -eq 1 ] && grep -q "built without CUDA\|no CUDA GPU" "$DIR/gpu.err" \
      || fail "$cmd: unclear error: $(cat "$DIR/gpu.err")"
  done
fi
echo "config smoke test passed"
