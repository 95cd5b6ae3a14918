#!/bin/bash
# Three default runs, one after another, nothing else running.
cd /work/main
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p27/seed$s > /tmp/p27/seed$s.out 2> /tmp/p27/seed$s.err
  tail -n 1 /tmp/p27/seed$s.err >> /tmp/p27/times.txt
done
echo done >> /tmp/p27/times.txt
