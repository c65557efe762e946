#!/usr/bin/env python3
"""Where a command's CPU goes, by kind of process: runs COMMAND, samples every process's CPU time
from /proc every 0.2 s while it runs, and prints the machine's busy CPU, then CPU seconds and
process counts per kind (seccheck's CLI JVMs, surefire's test JVMs, Maven, Kafka, others by
their command name). A process that lives less than a sampling interval is missed; the
difference between the busy CPU and the attributed total is that, the kernel's threads and the
sampler itself (a few percent of one CPU).

Usage: bench/suite-cpu.py COMMAND [ARGS...]      e.g. bench/suite-cpu.py ./build verify
"""
import collections
import os
import subprocess
import sys
import time

HZ = os.sysconf('SC_CLK_TCK')
INTERVAL = 0.2


def kind(pid, comm):
    """A process's kind: a JVM's by what its command line runs, another's its command name."""
    if comm != 'java':
        return comm
    try:
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()
    except OSError:
        return 'java'
    if b'surefire' in cmd:
        return 'java: surefire test JVM'
    if b'dev.seccheck.cli.Main' in cmd:
        return 'java: seccheck'
    if b'plexus-classworlds' in cmd:
        return 'java: maven'
    if b'kafka' in cmd:
        return 'java: kafka broker'
    return 'java: other'


def busy_and_total():
    """The machine's busy and total CPU ticks so far (all CPUs), from /proc/stat."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def sample(seen, totals, counts, first):
    """One sweep: credits the processes gone since the last to their kind."""
    alive = set()
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            stat = open(f'/proc/{pid}/stat').read()
        except OSError:
            continue
        close = stat.rfind(')')
        comm = stat[stat.find('(') + 1:close]
        fields = stat[close + 2:].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime, every thread's
        alive.add(pid)
        entry = seen.get(pid)
        if entry is None:
            # [kind, ticks, ticks at first sight: what a process had before the command counts not]
            seen[pid] = [kind(pid, comm), ticks, ticks if first else 0]
            counts[seen[pid][0]] += 1
            continue
        if not entry[0].startswith('java') and entry[0] != comm:
            # an exec under the same pid: what the old image used is its kind's
            totals[entry[0]] += entry[1] - entry[2]
            entry[2] = entry[1]
            entry[0] = kind(pid, comm)
            counts[entry[0]] += 1
        entry[1] = ticks
    for pid in [p for p in seen if p not in alive]:
        k, ticks, base = seen.pop(pid)
        totals[k] += ticks - base


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    seen, totals, counts = {}, collections.Counter(), collections.Counter()
    sample(seen, totals, counts, True)
    busy0, all0 = busy_and_total()
    start = time.monotonic()
    child = subprocess.Popen(sys.argv[1:])
    while child.poll() is None:
        sample(seen, totals, counts, False)
        time.sleep(INTERVAL)
    sample(seen, totals, counts, False)
    for pid, (k, ticks, base) in seen.items():
        totals[k] += ticks - base
    busy1, all1 = busy_and_total()
    wall = time.monotonic() - start
    print(f'exit {child.returncode}; {wall:.0f} s wall; busy CPU {(busy1 - busy0) / HZ:.0f} s '
          f'of {(all1 - all0) / HZ:.0f} s on {os.cpu_count()} CPUs; '
          f'attributed {sum(totals.values()) / HZ:.0f} s', file=sys.stderr)
    for k, ticks in totals.most_common(25):
        if ticks == 0:
            break
        print(f'{ticks / HZ:9.1f} s CPU {counts[k]:7d} processes  {k}', file=sys.stderr)
    sys.exit(child.returncode)


if __name__ == '__main__':
    main()
