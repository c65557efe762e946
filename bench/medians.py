"""medians.py: turns a samples file (configuration TAB seconds, one run a line) into a markdown
table of medians, quartiles and ratios to the first configuration, in the order they first appear.

Usage: python3 bench/medians.py SAMPLES.tsv
"""
import statistics
import sys
from collections import defaultdict

times = defaultdict(list)
for line in open(sys.argv[1]):
    name, seconds = line.rstrip("\n").split("\t")
    times[name].append(float(seconds))
names = list(times)
base = statistics.median(times[names[0]])
print(f"| configuration | runs | median | p25 | p75 | vs {names[0]} |")
print("|---|---:|---:|---:|---:|---:|")
for n in names:
    ts = sorted(times[n])
    q = statistics.quantiles(ts, n=4) if len(ts) > 1 else [ts[0]] * 3
    print(f"| {n} | {len(ts)} | {statistics.median(ts) * 1000:.0f} ms | {q[0] * 1000:.0f} | {q[2] * 1000:.0f} | "
          f"{statistics.median(ts) / base:.2f}× |")
