#!/bin/bash
# Issue 26: the default run with every whole-network timing beside the table's speed reference.
# Seed 0 ran at commit 0166e69 (of two steady scaled timings, the lower kept), seeds 1 and 2 at
# dbaa1a4 (the one taken nearest the reference speed kept); one after another, nothing else running.
cd <checkout, built>
for s in 0 1 2; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p26c/seed$s > /tmp/p26c/seed$s.out 2> /tmp/p26c/seed$s.err
  tail -n 1 /tmp/p26c/seed$s.err >> /tmp/p26c/times.txt
done
