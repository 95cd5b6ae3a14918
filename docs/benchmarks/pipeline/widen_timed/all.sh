#!/bin/bash
# Issue 26: the default run with widening by the pick as timed (commit dbae266); one after another, nothing else running.
cd <checkout, built>
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p26d/seed$s > /tmp/p26d/seed$s.out 2> /tmp/p26d/seed$s.err
  tail -n 1 /tmp/p26d/seed$s.err >> /tmp/p26d/times.txt
done
echo done >> /tmp/p26d/times.txt
