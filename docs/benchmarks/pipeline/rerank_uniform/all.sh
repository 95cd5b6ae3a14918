#!/bin/bash
# With uniform candidates drawn under T: seeds 0 and 1 resumed from their
# runs' search (widen and later stages removed), seed 2 from scratch.
cd /work/main
for s in 0 1; do
  rm -rf /tmp/p28/seed$s && cp -a /tmp/p27/seed$s /tmp/p28/seed$s
  (cd /tmp/p28/seed$s && rm -f widen.csv rerank.csv stages/{widen,rerank,retrain,measure,export,report}.json rerank_* final.* \
     best.json report.md measured.json exported.json pareto.*)
  /usr/bin/time -f "seed $s (resumed at widen) wall %e s cpu %P" build/hwnas run --seed $s --run-dir /tmp/p28/seed$s --resume \
    > /tmp/p28/seed$s.out 2> /tmp/p28/seed$s.err
  tail -n 1 /tmp/p28/seed$s.err >> /tmp/p28/times.txt
done
/usr/bin/time -f "seed 2 wall %e s cpu %P" build/hwnas run --seed 2 --run-dir /tmp/p28/seed2 > /tmp/p28/seed2.out 2> /tmp/p28/seed2.err
tail -n 1 /tmp/p28/seed2.err >> /tmp/p28/times.txt
echo done >> /tmp/p28/times.txt
