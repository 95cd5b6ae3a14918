#!/bin/bash
# Folding: the latency tables of hsconas and mbv2 with and without BatchNorm
# folded, then the default HSCoNAS run at T = 2 ms unfolded and folded.
set -e
cd /work/main
B=./build/hwnas
P="--repetitions 81 --min-time 1ms --statistic min --bias-archs 20 --quiet"
for sp in hsconas mbv2; do
  /usr/bin/time -f "%e s" $B profile --space $sp --target local $P --out /tmp/exp/fold/lut_${sp}.json
  /usr/bin/time -f "%e s" $B profile --space $sp --target local:fold=1 $P --out /tmp/exp/fold/lut_${sp}_fold.json
done
/usr/bin/time -f "%e s" $B run --latency 2ms --run-dir /tmp/exp/fold/hs_plain > /tmp/exp/fold/hs_plain.out 2> /tmp/exp/fold/hs_plain.err
/usr/bin/time -f "%e s" $B run --latency 2ms --fold --run-dir /tmp/exp/fold/hs_fold > /tmp/exp/fold/hs_fold.out 2> /tmp/exp/fold/hs_fold.err
echo done
