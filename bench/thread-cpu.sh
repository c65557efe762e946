#!/usr/bin/env bash
# CPU time of each thread of `seccheck run` over a burst of opens: where a session's cost goes on
# the checked host (the notifier that holds the program, a sink's own threads, the JIT), read from
# /proc/PID/task/*/stat while the program sleeps after its burst. CPU time hardly depends on other
# load, so two configurations compare on a busy machine too; alternate them and take several runs.
#
# Usage: bench/thread-cpu.sh CONFIG [N]     (a session file; N opens of /etc/hostname, default 20000)
# Prints "ms thread" per thread, most first, and the total.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:?usage: bench/thread-cpu.sh CONFIG [N]}"
n="${2:-20000}"
work="$(mktemp -d /tmp/seccheck-thread-cpu.XXXXXX)" # the program touches $work/done after its burst
mark="$work/done"
trap 'rm -rf "$work"' EXIT
"$here/seccheck" run --quiet --config "$config" -- sh -c \
  "i=0; while [ \$i -lt $n ]; do : < /etc/hostname; i=\$((i+1)); done; touch $mark; sleep 2" >/dev/null 2>&1 &
pid=$! # the launcher execs java: this is the JVM
while [ ! -e "$mark" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
tick=$(getconf CLK_TCK)
for t in /proc/"$pid"/task/*; do
  read -r stat <"$t/stat" || continue
  set -- ${stat#*) } # fields after the name: utime and stime are the 12th and 13th
  echo "$(( (${12} + ${13}) * 1000 / tick )) $(cat "$t/comm")"
done | sort -rn | awk '{ total += $1; print $1 " ms " substr($0, index($0, " ") + 1) } END { print total " ms total" }'
wait "$pid"
