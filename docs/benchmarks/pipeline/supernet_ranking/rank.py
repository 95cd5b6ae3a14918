#!/usr/bin/env python3
"""How well a supernet ranks the default runs' finals at equal latency.

finals_archs.json: every default run's pick and random archs (and its
ShuffleNetV2 baselines) with their finals' test accuracy (5 epochs over
10,000 images, one training) and measured latency, read from the runs'
log.txt and report.md. For each supernet's eval.json (`hwnas eval --arch
...` over those archs), Kendall tau between the inherited search-valid
accuracy and the finals' accuracy: within each run (the pick and its 3
random archs, all near that run's T) and over all picks and random archs;
then the same within runs for what an arch is made of (no training at all):
its mean width and its skipped layers, over the four and over the 3 random
archs alone (the pick is the re-ranking's best of four, widened).

  python3 rank.py NAME=EVAL_JSON ...
"""
import itertools
import json
import sys


def tau(pairs):
    c = d = 0
    for (x1, y1), (x2, y2) in itertools.combinations(pairs, 2):
        s = (x1 - x2) * (y1 - y2)
        c += s > 0
        d += s < 0
    return (c - d) / max(c + d, 1), c, d


def main(args):
    finals = [f for f in json.load(open("finals_archs.json")) if not f["label"].startswith("ShuffleNetV2")]
    runs = sorted({f["run"] for f in finals})
    for arg in args:
        name, path = arg.split("=", 1)
        inherited = {row["arch"]: row["inherited_valid_accuracy"] for row in json.load(open(path))["archs"]}
        c = d = 0
        first = 0
        for r in runs:
            group = [(inherited[f["arch"]], f["acc"]) for f in finals if f["run"] == r]
            _, gc, gd = tau(group)
            c, d = c + gc, d + gd
            first += max(group)[1] == max(a for _, a in group)  # the supernet's favourite is the finals' best
        pooled, _, _ = tau([(inherited[f["arch"]], f["acc"]) for f in finals])
        picks = [inherited[f["arch"]] for f in finals if not f["label"].startswith("random")]
        rand = [inherited[f["arch"]] for f in finals if f["label"].startswith("random")]
        print(f"{name}: within runs tau {(c - d) / (c + d):+.2f} ({c} concordant, {d} discordant pairs); "
              f"its favourite of 4 was the finals' best in {first} of {len(runs)} runs; "
              f"over all {len(finals)} tau {pooled:+.2f}; inherited accuracy: picks {sum(picks) / len(picks):.2f}%, "
              f"random {sum(rand) / len(rand):.2f}%")


def mean_width(arch):
    w = [float(g.split("@")[1]) for g in arch.split(",") if "@" in g]
    return sum(w) / len(w)


def skipped(arch):
    return arch.split(",").count("skip")


def by_makeup():
    finals = [f for f in json.load(open("finals_archs.json")) if not f["label"].startswith("ShuffleNetV2")]
    runs = sorted({f["run"] for f in finals})
    for name, signal in (("mean width", mean_width), ("skipped layers", skipped)):
        for who, keep in (("the four", lambda f: True), ("random archs", lambda f: f["label"].startswith("random"))):
            c = d = 0
            for r in runs:
                _, gc, gd = tau([(signal(f["arch"]), f["acc"]) for f in finals if f["run"] == r and keep(f)])
                c, d = c + gc, d + gd
            print(f"{name} within runs, {who}: tau {(c - d) / (c + d):+.2f} ({c} concordant, {d} discordant)")


if __name__ == "__main__":
    main(sys.argv[1:])
    by_makeup()
