"""medians.py: turns a samples file (configuration TAB seconds, one run a line) into a markdown
table of medians, quartiles and ratios to the first configuration, in the order they first appear.
With --us the values are microseconds (a latency's p50 per round, say) and are shown as such.

Usage: python3 bench/medians.py [--us] SAMPLES.tsv
"""
import statistics
import sys
from collections import defaultdict

args = sys.argv[1:]
micro = args[:1] == ["--us"]
if micro:
    args = args[1:]
scale, unit = (1, "us") if micro else (1000, "ms")
times = defaultdict(list)
for line in open(args[0]):
    name, seconds = line.rstrip("\n").split("\t")
    times[name].append(float(seconds))
names = list(times)
base = statistics.median(times[names[0]])
print(f"| configuration | runs | median | p25 | p75 | vs {names[0]} |")
print("|---|---:|---:|---:|---:|---:|")
for n in names:
    ts = sorted(times[n])
    q = statistics.quantiles(ts, n=4) if len(ts) > 1 else [ts[0]] * 3
    print(f"| {n} | {len(ts)} | {statistics.median(ts) * scale:.0f} {unit} | {q[0] * scale:.0f} | {q[2] * scale:.0f} | "
          f"{statistics.median(ts) / base:.2f}× |")
