#!/usr/bin/env bash
# Two supernets of the default's training (2 epochs, and 6), each scoring
# the default runs' finals with inherited weights; then rank.py.
# Run from the repository root; writes /tmp/snx and this folder's eval_e*.json.
# eval_w50.json came from a build whose uniform_path_sampler set every layer
# to its widest width in half the steps (a temporary switch, not kept).
set -euo pipefail
D=docs/benchmarks/pipeline/supernet_ranking
(cd $D && python3 collect.py)
ARCHS=$(python3 -c "import json; print(' '.join('--arch ' + a for a in sorted({n['arch'] for n in json.load(open('$D/finals_archs.json'))})))")
for e in 2 6; do
  build/hwnas train --epochs $e --lr 0.1 --batch-size 256 --run-dir /tmp/snx/e$e
  build/hwnas eval --run-dir /tmp/snx/e$e --weights supernet.pt --bn-images 2000 --valid-images 0 $ARCHS
  cp /tmp/snx/e$e/eval.json $D/eval_e$e.json
  cp /tmp/snx/e$e/supernet.json $D/supernet_e$e.json
done
cd $D && python3 rank.py e2=eval_e2.json e6=eval_e6.json w50=eval_w50.json | tee rank.txt
