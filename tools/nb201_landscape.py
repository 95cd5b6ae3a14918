#!/usr/bin/env python3
"""Exhaustive facts about NAS-Bench-201 under a latency budget, to read
`hwnas search` results against (offline helper; never needed by the build).

For each budget T: feasible archs, the oracle (best accuracy with LAT <= T),
the runner-up, the number of local optima under one-edge changes among
feasible archs, and the basin size of the oracle (feasible archs from which
steepest one-edge ascent ends at it). Then, for HSCoNAS Eq. 2
(ACC + beta |LAT/T - 1|), where the exhaustive optimum lands for several beta.

    python3 tools/nb201_landscape.py ../shared/data/nb201 cifar100_test raspi4_ms 5 10 20 40
"""
import collections
import csv
import sys

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def code_of(arch_str):
    tokens = [t for node in arch_str.split("+") for t in node.strip("|").split("|")]
    return tuple(OPS.index(t.split("~")[0]) for t in tokens)


def neighbours(c):
    for e in range(6):
        for o in range(5):
            if o != c[e]:
                yield c[:e] + (o,) + c[e + 1:]


def main():
    data, acc_col, lat_col = sys.argv[1:4]
    budgets = [float(x) for x in sys.argv[4:]] or [5, 10, 20, 40]
    acc, lat = {}, {}
    with open(f"{data}/accuracy.csv", newline="") as f:
        for row in csv.DictReader(f):
            acc[code_of(row["arch_str"])] = float(row[acc_col])
    with open(f"{data}/latency.csv", newline="") as f:
        for row in csv.DictReader(f):
            lat[code_of(row["arch_str"])] = float(row[lat_col])
    for t in budgets:
        feasible = {c for c in acc if lat[c] <= t}
        ranked = sorted(feasible, key=lambda c: -acc[c])

        def climb(c):
            while True:
                up = [n for n in neighbours(c) if n in feasible and acc[n] > acc[c]]
                if not up:
                    return c
                c = max(up, key=lambda n: acc[n])

        basins = collections.Counter(climb(c) for c in feasible)
        best = ranked[0]
        print(f"T={t:g} ms: {len(feasible)} of {len(acc)} archs feasible; oracle {acc[best]:.2f} "
              f"at {lat[best]:.3f} ms, runner-up {acc[ranked[1]]:.2f}, third {acc[ranked[2]]:.2f}; "
              f"{len(basins)} local optima; oracle basin {basins[best]} archs, largest basin "
              f"{max(basins.values())} archs (optimum {acc[max(basins, key=basins.get)]:.2f})")
        for beta in [-1, -5, -10, -20, -50]:
            c = max(acc, key=lambda c: acc[c] + beta * abs(lat[c] / t - 1))
            print(f"    Eq. 2 beta={beta}: optimum {acc[c]:.2f} at {lat[c]:.3f} ms "
                  f"({100 * (lat[c] / t - 1):+.1f}% of T)")


if __name__ == "__main__":
    main()
