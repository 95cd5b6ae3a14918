#!/bin/bash
# Domino's speedup on this CPU: MobileNetV2 (the domino space's 21 blocks
# kept) against every block grafted, timed unfolded and folded, batch 1 and 8.
set -e
cd /work/main
B=./build/hwnas
KEPT=$(python3 -c "print(','.join(['mb3e6']*21))")
GRAFT=$(python3 -c "print(','.join(['g3e6']*21))")
P="--repetitions 41 --min-time 1ms --statistic min --bias-archs 0 --quiet"
for batch in 1 8; do
  for fold in 0 1; do
    t="local:batch=$batch,fold=$fold"
    $B profile --space domino --target "$t" $P --out /tmp/exp/dom/lut_b${batch}_f${fold}.json > /dev/null
    echo "== batch $batch fold $fold"
    $B latency measure --lut /tmp/exp/dom/lut_b${batch}_f${fold}.json --space domino --target "$t" --rounds 3 --json "$KEPT" "$GRAFT" > /tmp/exp/dom/m_b${batch}_f${fold}.json
    cat /tmp/exp/dom/m_b${batch}_f${fold}.json | python3 -c "
import json,sys; d=json.load(sys.stdin)
print(json.dumps(d)[:600])"
  done
done
