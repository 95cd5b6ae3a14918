#!/bin/bash
# copies a run's records into docs/benchmarks/pipeline/OUT/seedS:
#   collect.sh S [RUNS (default /tmp/p29)] [OUT (default retime)]
s=$1; runs=${2:-/tmp/p29}; d=/work/main/docs/benchmarks/pipeline/${3:-retime}/seed$s
mkdir -p $d && cd $d
for f in best.json latency_check.json pareto.csv report.md rerank.csv widen.csv stages.json; do cp $runs/seed$s/$f .; done
cp $runs/seed$s/stages/measure.json measure_stage.json
cp $runs/seed$s.out stdout.txt
tr '\r' '\n' < $runs/seed$s.err | grep -v " step [0-9]*/" | grep -v "^ *$" > log.txt
