#!/bin/bash
# The 12 archs of proxy_vs_finals.txt (each seed's pick and 3 random archs of
# pipeline/widen_timed/seedS/pareto.csv), trained as proxy.sh does with --seed 1 and 2.
# docs/benchmarks/pipeline/rerank_uniform/proxy_archs.txt: lines "seed name finals_acc arch".
cd /work/main
for seed in 1 2; do
i=0
while read s name acc arch; do
  i=$((i+1))
  ( build/hwnas retrain --run-dir /tmp/proxy2/s${s}_${name}_seed$seed --threads 1 --epochs 2 --batch-size 64 --limit 10000 --lr 0.1 --seed $seed --arch "$arch" > /tmp/proxy2/s${s}_${name}_seed$seed.out 2>&1 ) &
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done < docs/benchmarks/pipeline/rerank_uniform/proxy_archs.txt
wait
done
echo done > /tmp/proxy2/done
