#!/usr/bin/env bash
# CPU time of each thread of `seccheck run` over a workload alone: where a session's cost goes on
# the checked host (the tracer, the notifier that holds the program, a sink's own threads, the
# JIT). /proc/<jvm>/task/*/stat is read when the workload starts and when it ends, so start-up and
# the way out are left out. CPU time hardly depends on other load, so two configurations compare
# on a busy machine too; alternate them and take several runs.
#
# Usage: bench/thread-cpu.sh CONFIG [WORKLOAD] [N]
#   CONFIG    a session file, or "default" for the built-in session
#   WORKLOAD  opens: N opens of /etc/hostname (default N 20000)
#             procs: N runs of /bin/true (default N 300)
#             find: N runs of find /usr -name '*.h' (default N 1; 15.7k openat each, relative to a dirfd)
#   SECCHECK=/path/to/launcher bench/thread-cpu.sh ...   measures another build (e.g. $BENCH_OLD/seccheck)
# Prints "ms thread" per thread with CPU in the workload, most first, and the total.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:?usage: bench/thread-cpu.sh CONFIG [opens|procs|find] [N]}"
workload="${2:-opens}"
case "$workload" in
  opens) n="${3:-20000}" step=': < /etc/hostname' ;;
  procs) n="${3:-300}" step='/bin/true' ;;
  find) n="${3:-1}" step="find /usr -name '*.h' >/dev/null" ;;
  *) echo "bench/thread-cpu.sh: unknown workload '$workload' (opens, procs or find)" >&2; exit 2 ;;
esac
sc="${SECCHECK:-$here/seccheck}"
work="$(mktemp -d /tmp/seccheck-thread-cpu.XXXXXX)" # the program touches start and done around its workload
trap 'rm -rf "$work"' EXIT
args=(run --quiet)
[ "$config" = default ] || args+=(--config "$config")
"$sc" "${args[@]}" -- sh -c "sleep 1; : > $work/start; i=0; while [ \$i -lt $n ]; do $step; i=\$((i+1)); done; : > $work/done; sleep 2" >/dev/null 2>&1 &
pid=$! # the launcher execs java: this is the JVM
tick=$(getconf CLK_TCK)
snapshot() {
  for t in /proc/"$pid"/task/*; do
    read -r stat <"$t/stat" 2>/dev/null || continue
    set -- ${stat#*) } # fields after the name: utime and stime are the 12th and 13th
    echo "${t##*/} $(( ${12} + ${13} )) $(tr ' ' _ <"$t/comm")"
  done
}
while [ ! -e "$work/start" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
snapshot >"$work/before"
while [ ! -e "$work/done" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
snapshot >"$work/after"
wait "$pid"
awk -v tick="$tick" 'NR == FNR { b[$1] = $2; next } { d = ($2 - b[$1]) * 1000 / tick; if (d > 0) print d " ms " $3; total += d }
  END { print total " ms total" }' "$work/before" "$work/after" | sort -rn -k1,1
