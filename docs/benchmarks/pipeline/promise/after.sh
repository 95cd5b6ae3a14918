#!/bin/bash
# After the long run: the 1.5 ms budget again with the 1.5% widening band (commit 12d9b8b).
while pgrep -f "run-dir /tmp/r27/long" > /dev/null; do sleep 10; done
cd /work/main
/usr/bin/time -f "T 1.5 (12d9b8b) wall %e s cpu %P" /tmp/r28/hwnas run --latency 1.5ms --retrain-seeds 3 --random-baseline 5 --reuse /tmp/r27/b1.5 --run-dir /tmp/r28/b1.5 > /tmp/r28/b1.5.out 2> /tmp/r28/b1.5.err
tail -1 /tmp/r28/b1.5.err >> /tmp/r28/times.txt
