#!/usr/bin/env python3
"""Replays the measure stage's re-timings under the rule of commit 5e55df5: of
a net's two timings, keep the one nearest the median of three (its latency
check's timing included). python3 replay_median.py RUN_RECORD_DIR..."""
import json, sys

for d in sys.argv[1:]:
    rec = json.load(open(f"{d}/measure_stage.json"))["record"]
    T = json.load(open(f"{d}/best.json"))["latency_budget_ms"]
    checks = {n["name"]: n["checked_ms"] for n in rec["nets"]}
    for t in rec.get("timed_again", []):
        a, b, c = t["first_ms"], t["again_ms"], checks[t["name"]]
        mid = sorted([a, b, c])[1]
        kept = b if abs(b - mid) < abs(a - mid) else a
        print(f"{d} {t['name']}: check {c:.3f}, first {a:.3f}, again {b:.3f} ms; kept then: {t['kept']}; "
              f"by the median: {kept:.3f} ms ({100 * (kept / T - 1):+.1f}% vs T, {100 * abs(kept / c - 1):.1f}% from its check)")
