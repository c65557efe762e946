"""open-latency.py: the numbers of bench/open-latency.sh.

  row NAME SESSION N LINE GCLOG   one TSV row from bench/open-latency.c's output line and the
                                  supervisor's GC log (-Xlog:gc,gc+exit)
  table TSV                       a markdown table, medians over the rounds per configuration;
                                  bytes per open subtract the N=1 run (start-up and one
                                  open) of the same configuration
"""
import re
import statistics
import sys
from collections import defaultdict

COLUMNS = ["p50", "p99", "p99.9", "max", "over10ms"]


def gc_log(path):
    """Young/full collections, the longest pause (ms) and the bytes allocated, from a GC log."""
    gcs, longest, allocated, after = 0, 0.0, 0, 0
    exit_used = None
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    for line in open(path):
        m = re.search(r"GC\(\d+\) Pause \w+ .*? (\d+)([KMG])->(\d+)([KMG])\(\d+[KMG]\) ([\d.]+)ms", line)
        if m:
            before = int(m.group(1)) * units[m.group(2)]
            allocated += before - after
            after = int(m.group(3)) * units[m.group(4)]
            gcs += 1
            longest = max(longest, float(m.group(5)))
            continue
        m = re.search(r"\[gc,exit\s*\]\s+(DefNew|Tenured)\s+total \d+K, used (\d+)K", line)
        if m:
            exit_used = (exit_used or 0) + int(m.group(2)) * 1024
    if exit_used is None:
        sys.exit(f"open-latency.py: no heap at exit in {path} (did the JVM end through System.exit?)")
    return gcs, longest, allocated + exit_used - after


def row(name, session, n, line, gclog):
    stats = dict(re.findall(r"([\w.]+)=(\d+)", line))
    gcs, longest, allocated = gc_log(gclog)
    values = [stats.get(c, "0") for c in COLUMNS]
    print("\t".join([name, session, n] + values + [str(gcs), f"{longest:.1f}", str(allocated)]))


def table(path):
    runs = defaultdict(list)
    start = {}
    order = []
    for line in open(path):
        name, session, n, *rest = line.rstrip("\n").split("\t")
        key = (session, name)
        if int(n) == 1:
            start[key] = int(rest[-1])
            continue
        if key not in runs:
            order.append(key)
        runs[key].append((int(n), [int(x) for x in rest[:5]], int(rest[5]), float(rest[6]), int(rest[7])))
    print("| session | build | runs | p50 µs | p99 µs | p99.9 µs | max µs | opens > 10 ms | young GCs | longest pause ms | bytes per open |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in order:
        rs = runs[key]
        med = [statistics.median(r[1][i] for r in rs) for i in range(5)]
        gcs = statistics.median(r[2] for r in rs)
        pause = statistics.median(r[3] for r in rs)
        per_open = statistics.median((r[4] - start[key]) / (r[0] - 1) for r in rs)
        print(f"| {key[0]} | {key[1]} | {len(rs)} | {med[0]:.0f} | {med[1]:.0f} | {med[2]:.0f} | {med[3]:.0f} | "
              f"{med[4]:.0f} | {gcs:g} | {pause:.1f} | {per_open:,.0f} |")


if __name__ == "__main__":
    if sys.argv[1] == "row":
        row(*sys.argv[2:7])
    else:
        table(sys.argv[2])
