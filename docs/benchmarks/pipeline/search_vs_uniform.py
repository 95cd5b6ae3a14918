#!/usr/bin/env python3
"""What the search adds: in every default run whose re-ranking trained the
search's candidate beside 3 uniform draws (all widened to the budget), where
the search's candidate placed by the short stand-alone training, and how the
supernet's accuracy ranks the four against that training.

  python3 search_vs_uniform.py [RUN_DIR ...]   (default: the 14 runs below)
"""
import csv
import itertools
import re
import sys

RUNS = ("retime/seed3 retime/seed4 retime/seed5 retime/seed6 rerank_uniform/seed0 rerank_uniform/seed1 "
        "rerank_uniform/seed2 fresh_clone/seed7 fresh_clone/seed8 fresh_clone/seed9 fresh_clone_median_rule/seed10 "
        "fresh_clone_median_rule/seed11 fresh_clone_median_rule/seed12 pick_origin/seed13").split()


def main(runs):
    places, gaps, sup_gap = [], [], []
    conc = disc = 0
    # per group ("search", "uniform", "picked"): skipped layers, short-training accuracy, width before and after widening
    skips, alone_acc, widths = {}, {}, {}
    print(f"{'run':32s} {'search cand.':>12s} {'picked':>6s} {'best - search':>13s}  supernet acc: search / uniform mean")
    for r in runs:
        rows = list(csv.DictReader(open(f"{r}/rerank.csv")))
        uniform = {int(m) for m in re.findall(r"^\| (\d+) \*uniform\*", open(f"{r}/report.md").read(), re.M)}
        is_uniform = [i + 1 in uniform for i in range(len(rows))]
        score = [float(x["score"]) for x in rows]
        sup = [float(x["supernet_accuracy"]) for x in rows]
        alone = [float(x["standalone_accuracy"]) for x in rows]
        best_search = max(s for s, u in zip(score, is_uniform) if not u)
        place = 1 + sum(s > best_search for s in score)
        chosen = next(i for i, x in enumerate(rows) if x["chosen"] == "1")
        places.append(place)
        gaps.append(max(score) - best_search)
        s_sup = [a for a, u in zip(sup, is_uniform) if not u]
        u_sup = [a for a, u in zip(sup, is_uniform) if u]
        sup_gap.append(max(s_sup) - sum(u_sup) / len(u_sup))
        widen = re.findall(r"^\| (\d+) \| ([0-9.]+) -> ([0-9.]+) \|", open(f"{r}/report.md").read(), re.M)
        for i, x in enumerate(rows):
            for group in ["uniform" if is_uniform[i] else "search"] + (["picked"] if i == chosen else []):
                skips.setdefault(group, []).append(x["arch"].split(",").count("skip"))
                alone_acc.setdefault(group, []).append(alone[i])
                widths.setdefault(group, []).append((float(widen[i][1]), float(widen[i][2])))
        for a, b in itertools.combinations(range(len(rows)), 2):
            d = (sup[a] - sup[b]) * (alone[a] - alone[b])
            conc += d > 0
            disc += d < 0
        print(f"{r:32s} {place:>6d} of {len(rows)} {('uniform' if is_uniform[chosen] else 'search'):>7s} "
              f"{gaps[-1]:>10.2f}     {max(s_sup):.2f} / {sum(u_sup) / len(u_sup):.2f}")
    n = len(places)
    print(f"\n{n} runs: the search's candidate placed {sum(places) / n:.2f} of 4 on average "
          f"(a uniform draw's expected place: 2.50); first in {places.count(1)}, last in {places.count(4)}")
    print(f"the re-ranking's best led the search's candidate by {sum(gaps) / n:.2f} points of score on average")
    print(f"the supernet scored the search's candidate {sum(sup_gap) / n:.2f} points above the uniform draws' mean")
    mean = lambda v: sum(v) / len(v)
    for group in ("search", "uniform", "picked"):
        print(f"{group:8s} ({len(skips[group])}): {mean(skips[group]):.1f} skipped layers of 20, "
              f"{mean(alone_acc[group]):.2f}% after the short training, mean width "
              f"{mean([w[0] for w in widths[group]]):.2f} -> {mean([w[1] for w in widths[group]]):.2f} widened")
    print(f"supernet accuracy against the short training, pairs within a run: {conc} concordant, {disc} discordant, "
          f"Kendall tau {(conc - disc) / (conc + disc):+.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or RUNS)
