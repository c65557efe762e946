#!/usr/bin/env bash
# What deciding chdir and exec on what they reach costs (DirectoryChanges, ExecNames): a shell
# loop of 300 execs of /bin/true, and one of 4,000 chdirs (`cd /tmp; cd /` 2,000 times), natively
# and under the README's example deny policy (bench_deny_policy: opens performed, so chdir, fchdir,
# chroot and exec are walked first), interleaved in each round; medians of wall time, start-up
# included, with ratios to native.
#
# Usage: bench/reaches.sh [ROUNDS]          (default 7)
#        BENCH_OLD=DIR bench/reaches.sh     adds an older build copied aside with bench/snapshot.sh DIR
#        BENCH_SESSION=default bench/reaches.sh
#                                           the built-in default session instead of the deny policy
#                                           (its open points make seccheck perform the opens too)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-7}"
out="$here/bench/out"
mkdir -p "$out"
"$here/seccheck" --version >/dev/null # build once, outside the timings
. "$here/bench/prepare.sh"
bench_deny_policy "$out/deny.json"
policy="$out/deny.json"
[ "${BENCH_SESSION:-}" = default ] && policy=""
python3 - "$rounds" "$here/seccheck" "$policy" "${BENCH_OLD:-}" <<'PY'
import statistics, subprocess, sys, time
rounds, new, policy, old = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
loops = {"exec-300": "for i in $(seq 300); do /bin/true; done",
         "cd-4000": "for i in $(seq 2000); do cd /tmp; cd /; done"}
config = ["--config", policy] if policy else []
# No -o: it is a trace option, and any trace option adds a session tracing every syscall seccheck
# decodes to the ones measured. The default session's text goes to stderr, thrown away here.
under = lambda launcher: [launcher, "run", "--quiet"] + config + ["--"]
configs = {"native": []}
if old:
    configs["old"] = under(old + "/seccheck")
configs["new"] = under(new)
times = {(l, c): [] for l in loops for c in configs}
for _ in range(rounds):
    for l, script in loops.items():
        for c, prefix in configs.items():
            t = time.perf_counter()
            subprocess.run(prefix + ["sh", "-c", script], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times[(l, c)].append(time.perf_counter() - t)
for l in loops:
    base = statistics.median(times[(l, "native")])
    print(l, "  ".join(f"{c} {statistics.median(times[(l, c)]) * 1000:.0f} ms ({statistics.median(times[(l, c)]) / base:.2f}x)"
                       for c in configs))
PY
