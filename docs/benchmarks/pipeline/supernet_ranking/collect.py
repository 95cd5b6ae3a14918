#!/usr/bin/env python3
"""finals_archs.json: each default run's pick, random archs and ShuffleNetV2
baselines (arch from its log.txt, finals' test accuracy and measured latency
from its report.md). Run from docs/benchmarks/pipeline/supernet_ranking."""
import json
import re

RUNS = ("retime/seed3 retime/seed4 retime/seed5 retime/seed6 rerank_uniform/seed0 rerank_uniform/seed1 "
        "rerank_uniform/seed2 fresh_clone/seed7 fresh_clone/seed8 fresh_clone/seed9 fresh_clone_median_rule/seed10 "
        "fresh_clone_median_rule/seed11 fresh_clone_median_rule/seed12").split()
NET = r"random \d|searched \(HSCoNAS\)|picked \(HSCoNAS, a uniform draw\)|ShuffleNetV2 x[0-9.]+"

out = []
for r in RUNS:
    log, md = open(f"../{r}/log.txt").read(), open(f"../{r}/report.md").read()
    arch = {}
    for m in re.finditer(rf"^({NET}): (\S+)$", log, re.M):
        arch.setdefault(m.group(1), m.group(2))  # the first seed's line
    result = md.split("## Result")[1].split("\n## ")[0]
    for m in re.finditer(r"^\| (?:\*\*)?([^|*]+?)(?:\*\*)? \| ([0-9.]+)% \| ([0-9.]+) ms \|", result, re.M):
        if m.group(1) in arch:
            out.append({"run": r, "label": m.group(1), "arch": arch[m.group(1)], "acc": float(m.group(2)),
                        "ms": float(m.group(3))})
json.dump(out, open("finals_archs.json", "w"), indent=0)
print(f"{len(out)} nets of {len(RUNS)} runs")
