#!/bin/bash
# usage: regime.sh TAG EPOCHS LIMIT BATCH LR SEEDS...
# Trains the 7 nets of nets.tsv (seed 0's default run of pipeline/promise, with their
# 3-seed accuracies of the long preset) in one regime; one line per training:
# name seed test-accuracy seconds converged-accuracy. Run from the repository root.
set -u
TAG=$1 E=$2 L=$3 B=$4 LR=$5; shift 5
H=build/hwnas
OUT=runs/regimes/$TAG; mkdir -p $OUT
for s in "$@"; do
  while IFS=$'\t' read -r name space arch conv; do
    [ -f $OUT/$name.s$s.txt ] && continue
    start=$(date +%s.%N)
    $H retrain --space "$space" --arch "$arch" --epochs $E --limit $L --batch-size $B --lr $LR --weight-decay 3e-5 \
      --seed $s --run-dir $OUT/run_s$s --name $name > $OUT/$name.s$s.log 2>&1
    acc=$(grep -o 'test accuracy [0-9.]*' $OUT/$name.s$s.log | awk '{print $3}')
    end=$(date +%s.%N)
    echo "$name $s $acc $(echo "$end - $start" | bc) $conv" | tee $OUT/$name.s$s.txt
  done < docs/benchmarks/pipeline/finals_regimes/nets.tsv
done
