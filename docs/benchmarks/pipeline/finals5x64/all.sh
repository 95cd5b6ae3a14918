#!/bin/bash
# Issue 26: the default preset with 5-epoch finals at batch 64, three seeds, one after another, then seed 0 with 3 seeds x 5 random archs.
cd <checkout at e6c3aae, built>
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p26b/seed$s > /tmp/p26b/seed$s.out 2> /tmp/p26b/seed$s.err
  tail -n 1 /tmp/p26b/seed$s.err >> /tmp/p26b/times.txt
done
cp -r /tmp/p26b/seed0 /tmp/p26b/rand5
/usr/bin/time -f "rand5 wall %e s cpu %P" build/hwnas run --resume --run-dir /tmp/p26b/rand5 --retrain-seeds 3 --random-baseline 5 --baseline-widths 1.0 --mbv2-widths 0.1 > /tmp/p26b/rand5.out 2> /tmp/p26b/rand5.err
tail -n 1 /tmp/p26b/rand5.err >> /tmp/p26b/times.txt
echo done >> /tmp/p26b/times.txt
