#!/bin/bash
cd /work/main
i=0
while read s name acc arch; do
  i=$((i+1))
  ( build/hwnas retrain --run-dir /tmp/proxy/s${s}_$name --threads 1 --epochs 2 --batch-size 64 --limit 10000 --lr 0.1 --seed 0 --arch "$arch" > /tmp/proxy/s${s}_$name.out 2>&1 ) &
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done < docs/benchmarks/pipeline/rerank_uniform/proxy_archs.txt
wait
echo done > /tmp/proxy/done
