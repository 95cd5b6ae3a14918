#!/usr/bin/env python3
"""Sums up default runs: python3 summary.py DIR... (each a run's records: best.json, pareto.csv)."""
import csv, json, math, statistics, sys


def se(xs):
    return statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")


picks, randoms, mbv2, snv_half, snv_one, leads, mb_ratio = [], [], [], [], [], [], []
for d in sys.argv[1:]:
    b = json.load(open(f"{d}/best.json"))
    rows = list(csv.DictReader(open(f"{d}/pareto.csv")))
    by = {r["network"]: r for r in rows}
    pick = float(b["test_accuracy"])
    rnd = [float(r["test_accuracy"]) for r in rows if r["network"].startswith("random")]
    picks.append(pick)
    randoms += rnd
    leads.append(pick - statistics.mean(rnd))
    mb = by["MobileNetV2 x0.1"]
    mbv2.append(float(mb["test_accuracy"]))
    mb_ratio.append(float(mb["measured_ms"]) / b["measured_latency_ms"])
    snv_half.append(float(by["ShuffleNetV2 x0.5"]["test_accuracy"]))
    snv_one.append(float(by["ShuffleNetV2 x1"]["test_accuracy"]))
    T, m, c = b["latency_budget_ms"], b["measured_latency_ms"], b["checked_latency_ms"]
    over_T = [r["network"] for r in rows if r["network"].startswith("random") and float(r["measured_ms"]) > T]
    print(f"{d}: T {T:.3f} ms; pick {pick:.2f}% at {m:.3f} ms ({100 * (m / T - 1):+.1f}% vs T), check {c:.3f} ms "
          f"({100 * abs(m / c - 1):.1f}% apart); random {' / '.join(f'{x:.2f}' for x in rnd)} (lead {leads[-1]:+.2f}); "
          f"MobileNetV2 x0.1 {mbv2[-1]:.2f}% at {mb_ratio[-1]:.2f}x; ShuffleNetV2 x0.5 / x1 {snv_half[-1]:.2f} / "
          f"{snv_one[-1]:.2f}%; random measured over T: {', '.join(over_T) or 'none'}")
n = len(picks)
lead = statistics.mean(picks) - statistics.mean(randoms)
comb = math.sqrt(se(picks) ** 2 + se(randoms) ** 2)
print(f"over {n} runs: pick {statistics.mean(picks):.2f}% (SE {se(picks):.2f}); {len(randoms)} random "
      f"{statistics.mean(randoms):.2f}% (SE {se(randoms):.2f}); lead {lead:+.2f} ({lead / comb:.1f} combined SE); "
      f"MobileNetV2 x0.1 {statistics.mean(mbv2):.2f}% (SE {se(mbv2):.2f}), pick {statistics.mean(picks) - statistics.mean(mbv2):+.2f} "
      f"at {min(mb_ratio):.2f} - {max(mb_ratio):.2f}x less latency; ShuffleNetV2 x0.5 {statistics.mean(snv_half):.2f}%, "
      f"x1 {statistics.mean(snv_one):.2f}%")
