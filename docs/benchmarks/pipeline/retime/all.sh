#!/bin/bash
# Default runs, one after another, nothing else running (2026-12-06):
# seed 3 with commit 2067f11 (the re-timings), seeds 4 - 6 with 6f78864
# (and measure_settled's end to attempts while a slowdown lasts).
cd /work/main
for s in 4 5 6; do   # seed 3: the same command at 2067f11
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p29/seed$s > /tmp/p29/seed$s.out 2> /tmp/p29/seed$s.err
  tail -n 1 /tmp/p29/seed$s.err >> /tmp/p29/times.txt
done
