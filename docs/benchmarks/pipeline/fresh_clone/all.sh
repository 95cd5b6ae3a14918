#!/bin/bash
# Default runs on a fresh clone, one after another, nothing else running
# (2026-12-06, commit 165b22c: a lasting slowdown not waited for again, the
# random baseline held to [0.95 T, T] as timed):
#   git clone /work/main /tmp/fc && cd /tmp/fc && scripts/setup.sh
# Records: ../retime/collect.sh S /tmp/p30 fresh_clone; table: ../retime/summary.py seed7 seed8 seed9
cd /tmp/fc
for s in 7 8 9; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p30/seed$s > /tmp/p30/seed$s.out 2> /tmp/p30/seed$s.err
  tail -n 1 /tmp/p30/seed$s.err >> /tmp/p30/times.txt
done
