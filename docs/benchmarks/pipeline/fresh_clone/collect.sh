#!/bin/bash
# copies a run's records into docs/benchmarks/pipeline/fresh_clone/seedS
s=$1; d=/work/main/docs/benchmarks/pipeline/fresh_clone/seed$s
mkdir -p $d && cd $d
for f in best.json latency_check.json pareto.csv report.md rerank.csv widen.csv stages.json; do cp /tmp/p30/seed$s/$f .; done
cp /tmp/p30/seed$s/stages/measure.json measure_stage.json
cp /tmp/p30/seed$s.out stdout.txt
tr '\r' '\n' < /tmp/p30/seed$s.err | grep -v " step [0-9]*/" | grep -v "^ *$" > log.txt
