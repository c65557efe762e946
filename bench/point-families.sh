#!/usr/bin/env bash
# Where the default session's per-process cost comes from (issue 13 goal 1): a short process
# (/bin/true, forked, executed and waited for by bench/spawn-loop.c, 1,000 times, the first fifth
# left out) natively and under seccheck with the default session cut into its families of points,
# each to the text sink on /dev/null as the default's is:
#   none      no point (what tracing every process costs by itself)
#   life      container/start, sentry/clone, sentry/execve, sentry/task_exit
#   exec      the enter and exit points of execve and execveat
#   open      the enter and exit points of open, openat and creat (performed by seccheck)
#   default   all of them, and the network, chdir, set*id, chroot and ptrace points
# and, for scale, under strace -f --seccomp-bpf -e trace=execve,openat,connect.
# Rounds alternate the configurations; the median of the rounds' p50s, and what it adds to native.
#
# Usage: bench/point-families.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
cc -O2 -o "$out/spawn-loop" "$here/bench/spawn-loop.c"
"$sc" run --print-config >"$out/family-default.json"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
d = json.load(open(f"{out}/family-default.json"))
def family(name, keep):
    json.dump(dict(d, points=[p for p in d["points"] if keep(p["name"])]), open(f"{out}/family-{name}.json", "w"))
syscall = lambda n: n.split("/")[1] if n.startswith("syscall/") else None
family("none", lambda n: False)
family("life", lambda n: not n.startswith("syscall/"))
family("exec", lambda n: syscall(n) in ("execve", "execveat"))
family("open", lambda n: syscall(n) in ("open", "openat", "creat"))
PY
families=(native strace none life exec open default)
for ((r = 0; r < rounds; r++)); do
  for f in "${families[@]}"; do
    if [ "$f" = native ]; then
      line=$("$out/spawn-loop" 1000 /bin/true 2>&1)
    elif [ "$f" = strace ]; then
      line=$(strace -f --seccomp-bpf -e trace=execve,openat,connect -o /dev/null "$out/spawn-loop" 1000 /bin/true 2>&1)
    else
      line=$({ "$sc" run --quiet --config "$out/family-$f.json" -- sh -c "$out/spawn-loop 1000 /bin/true 2>&4" 2>/dev/null; } 4>&1)
    fi
    echo "$f $(echo "$line" | awk '{print $4}')"
  done
done | /usr/bin/python3 -c '
import sys, statistics, collections
d = collections.OrderedDict()
for line in sys.stdin:
    k, v = line.split()
    d.setdefault(k, []).append(int(v))
base = statistics.median(d["native"])
print("| | per process p50 (us) | added to native | rounds |")
print("|:--|--:|--:|:--|")
for k, v in d.items():
    m = statistics.median(v)
    print(f"| {k} | {m:.0f} | {m - base:+.0f} | {v} |")
'
