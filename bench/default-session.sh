#!/usr/bin/env bash
# Issue 13 goal 3: the built-in default session on syscall-heavy work (tar -x, find) against
# strace -f --seccomp-bpf tracing the default session's syscalls, side by side in one run
# (configurations alternated within each round; seccheck's text and strace's output to /dev/null).
#
# Usage: bench/default-session.sh [RUNS]   (default 5; prints the median wall time of each, in ms)
#   BENCH_WORKLOADS="find"   runs only those (default: tar-x find).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
sc="$here/seccheck"
"$sc" --version >/dev/null # build once, outside the timings
work="$(mktemp -d /tmp/seccheck-default-XXXXXX)"
trap 'rm -rf "$work"' EXIT
tar cf "$work/include.tar" -C /usr include 2>/dev/null
. "$here/bench/prepare.sh"
# The syscalls of the built-in default session, for strace's filter.
default_syscalls=$(bench_default_syscalls)
declare -A workloads=(
  [tar-x]="rm -rf $work/x && mkdir $work/x && tar xf $work/include.tar -C $work/x"
  [find]="find /usr -name '*.h' >/dev/null"
)
configs=(native strace-bpf seccheck-default)
run() { # config workload
  case "$1" in
    native) sh -c "$2" ;;
    strace-bpf) strace -f --seccomp-bpf -e trace="$default_syscalls" -o /dev/null sh -c "$2" ;;
    seccheck-default) "$sc" run --quiet -- sh -c "$2" ;;
  esac
}
# shellcheck source=bench/rounds.sh
. "$here/bench/rounds.sh"
bench_rounds "$runs" ${BENCH_WORKLOADS:-tar-x find}
