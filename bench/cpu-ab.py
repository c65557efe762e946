#!/usr/bin/env python3
# Alternates two seccheck launchers (or any two commands) N times on the same arguments and prints
# the median CPU (user+sys of the child, from getrusage) and wall time of each: start-up CPU is
# steadier than wall time on a loaded machine.
# Usage: bench/cpu-ab.py OLD NEW N ARGS...
#   e.g. bench/cpu-ab.py /tmp/snap/seccheck ./seccheck 15 run --quiet -- /bin/true
import resource
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 4:
    sys.exit("usage: bench/cpu-ab.py OLD NEW N ARGS...")
launchers, n, args = sys.argv[1:3], int(sys.argv[3]), sys.argv[4:]
cpu, wall = ([], []), ([], [])
for i in range(n):
    for k in ((0, 1) if i % 2 == 0 else (1, 0)):
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        subprocess.run([launchers[k]] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1, r1 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[k].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        wall[k].append((t1 - t0) * 1000)
for k, name in enumerate(("old", "new")):
    c = sorted(cpu[k])
    print(f"{name} {launchers[k]}: CPU median {statistics.median(c):.0f} ms "
          f"(quartiles {c[n // 4]:.0f}-{c[3 * n // 4]:.0f}), wall median {statistics.median(wall[k]):.0f} ms")
