#!/usr/bin/env bash
set -x
H=/tmp/meas/hwnas
M=/tmp/meas
while pgrep -f "ci/run" >/dev/null; do sleep 5; done
lut_only() { rm -rf "$1"; mkdir -p "$1"; cp $M/ln_default/lut.json "$1/"; }
CHEAP="--retrain-epochs 1 --retrain-limit 3000 --random-baseline 0 --mbv2-widths 0.5"
lut_only $M/sg_nophi; $H run --method surgenas --beta 0.3 --phi 0 $CHEAP --run-dir $M/sg_nophi > $M/sg_nophi.out 2> $M/sg_nophi.err
for b in 0.3 0 3; do
  lut_only $M/sg_b$b; $H run --method surgenas --beta $b $CHEAP --run-dir $M/sg_b$b > $M/sg_b$b.out 2> $M/sg_b$b.err
done
echo done > $M/queue5.done
