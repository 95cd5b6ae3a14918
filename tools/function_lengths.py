#!/usr/bin/env python3
"""Lists functions longer than a limit in C++ files (a definition starts at
column 0 with a '(' and ends at the next '}' in column 0).
Usage: python3 tools/function_lengths.py LIMIT FILE..."""
import sys

limit = int(sys.argv[1])
worst = 0
for path in sys.argv[2:]:
    lines = open(path).read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if start is None and line[:1].isalpha() and "(" in line and not line.startswith(("namespace", "using", "HWNAS_")) \
                and not line.rstrip().endswith((";", "}")):  # one-line definitions are short
            start = i
        elif start is not None and line.startswith("}"):
            n = i - start + 1
            worst = max(worst, n)
            if n > limit:
                print(f"{n:5d} lines  {path}:{start + 1}  {lines[start].strip()[:80]}")
            start = None
print(f"longest: {worst} lines", file=sys.stderr)
