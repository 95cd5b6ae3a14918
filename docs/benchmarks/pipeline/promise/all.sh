#!/bin/bash
# Measurements for issue 26 at commit 460b3d1, one after another on a quiet machine.
cd /work/main
H=/tmp/r27/hwnas
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" $H run --seed $s --run-dir /tmp/r27/seed$s > /tmp/r27/seed$s.out 2> /tmp/r27/seed$s.err
  tail -1 /tmp/r27/seed$s.err >> /tmp/r27/times.txt
done
for T in 1.5 3.0; do
  /usr/bin/time -f "T $T wall %e s cpu %P" $H run --latency ${T}ms --retrain-seeds 3 --random-baseline 5 --reuse /tmp/r27/seed0 --run-dir /tmp/r27/b$T > /tmp/r27/b$T.out 2> /tmp/r27/b$T.err
  tail -1 /tmp/r27/b$T.err >> /tmp/r27/times.txt
done
# The long preset's finals at the default budget of seed 0: the same search (resumed from a copy), finals retrained 10 epochs over all 55,000 images.
cp -r /tmp/r27/seed0 /tmp/r27/long
rm -f /tmp/r27/long/final* /tmp/r27/long/baseline_* /tmp/r27/long/random_*
/usr/bin/time -f "long wall %e s cpu %P" $H run --preset long --resume --run-dir /tmp/r27/long --retrain-seeds 1 --random-baseline 4 --baseline-widths 1.0 --mbv2-widths 0.1 > /tmp/r27/long.out 2> /tmp/r27/long.err
tail -1 /tmp/r27/long.err >> /tmp/r27/times.txt
