#!/bin/bash
# Issue 26 with the default finals over all 55,000 images (commit 01cbc75), on a fresh clone, one after another.
cd <fresh clone>
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p26/seed$s > /tmp/p26/seed$s.out 2> /tmp/p26/seed$s.err
  tail -n 1 /tmp/p26/seed$s.err >> /tmp/p26/times.txt
done
cp -r /tmp/p26/seed0 /tmp/p26/rand5
/usr/bin/time -f "rand5 wall %e s cpu %P" build/hwnas run --resume --run-dir /tmp/p26/rand5 --retrain-seeds 3 --random-baseline 5 --baseline-widths 1.0 --mbv2-widths 0.1 > /tmp/p26/rand5.out 2> /tmp/p26/rand5.err
tail -n 1 /tmp/p26/rand5.err >> /tmp/p26/times.txt
echo done >> /tmp/p26/times.txt
