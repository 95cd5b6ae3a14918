#!/usr/bin/env bash
# One default run with the pick's origin in its verdict: the clone CI had
# just built and tested (git clone of main at 9305a78, `bash .ci/run`),
# then the run, nothing else running.
set -euo pipefail
/usr/bin/time -f "%E wall %P cpu" build/hwnas run --seed 13 --run-dir /tmp/p33/seed13 > /tmp/p33_seed13.stdout 2> /tmp/p33_seed13.log
