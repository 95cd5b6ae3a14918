#!/bin/bash
cd /work/main
H=/tmp/r27/hwnas
T=2.5
/usr/bin/time -f "T $T wall %e s cpu %P" $H run --latency ${T}ms --retrain-seeds 3 --random-baseline 5 --reuse /tmp/r27/seed0 --run-dir /tmp/r27/b$T > /tmp/r27/b$T.out 2> /tmp/r27/b$T.err
tail -1 /tmp/r27/b$T.err >> /tmp/r27/times.txt
/usr/bin/time -f "long wall %e s cpu %P" $H run --preset long --resume --run-dir /tmp/r27/long --retrain-seeds 1 --random-baseline 4 --baseline-widths 1.0 --mbv2-widths 0.1 > /tmp/r27/long.out 2> /tmp/r27/long.err
tail -1 /tmp/r27/long.err >> /tmp/r27/times.txt
