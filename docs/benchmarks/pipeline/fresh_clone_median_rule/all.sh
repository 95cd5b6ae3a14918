#!/bin/bash
# Default runs on a fresh clone, one after another, nothing else running
# (2026-12-06, commit 64edff0: the measure stage keeps the timing nearest the
# median of three, random archs held to [0.95 T, 0.98 T] as timed, finals far
# over their prediction timed again). The clone is CI's, after `bash .ci/run`:
#   git clone /work/main /tmp/ci && cd /tmp/ci && bash .ci/run
# Records: ../retime/collect.sh S /tmp/p31 fresh_clone_median_rule; table: ../retime/summary.py seed10 seed11 seed12
cd /tmp/ci
mkdir -p /tmp/p31
for s in 10 11 12; do
  /usr/bin/time -f "seed $s wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p31/seed$s > /tmp/p31/seed$s.out 2> /tmp/p31/seed$s.err
  tail -n 1 /tmp/p31/seed$s.err >> /tmp/p31/times.txt
done
