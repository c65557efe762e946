#!/usr/bin/env bash
# Cost of emulated opens and connects, side by side in one run: native, strace tracing the same
# syscalls, seccheck with an openat+connect deny policy (opens and connects emulated), the same
# policy with openat's exit point added (under emulation it needs no ptrace stop), and, for
# comparison, openat's enter point alone to the null sink (no emulation: one ptrace stop each).
# The configurations alternate within each round so that a load change on a shared machine
# falls on all of them alike.
#
# Usage: bench/emulation.sh [RUNS]   (default 3; prints the median wall time of each, in ms)
#   BENCH_OLD=DIR   adds "old-deny": the deny policy under another build's launcher, copied aside
#                   with bench/snapshot.sh DIR, so old and new are measured in the same rounds.
#   BENCH_OLD_CONFIG=FILE   the policy "old-deny" runs with (default: the same deny policy), for a
#                   build older than one of its rules (bench/out/deny-old.json drops the accepts).
#   BENCH_WORKLOADS="find gcc-10"   runs only those (default: tar-x find gcc-10 python-10).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-3}"
out="$here/bench/out"
mkdir -p "$out"
sc="$here/seccheck"
"$sc" --version >/dev/null # build once, outside the timings
work="$(mktemp -d /tmp/seccheck-emu-XXXXXX)"
trap 'rm -rf "$work"' EXIT
tar cf "$work/include.tar" -C /usr include 2>/dev/null
printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' >"$work/hello.c"
. "$here/bench/prepare.sh"
bench_deny_policy "$out/deny.json"
sed 's#{"name":"syscall/openat/enter"},#{"name":"syscall/openat/enter"},{"name":"syscall/openat/exit"},#' "$out/deny.json" >"$out/deny-exit.json"
printf '{"name":"x","points":[{"name":"syscall/openat/enter"}],"sinks":[{"name":"null"}]}\n' >"$out/enter-null.json"
python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
p["points"] = [x for x in p["points"] if "accept" not in x["name"]]
for k in p["sinks"]:
    k["config"]["rules"] = [r for r in k["config"]["rules"] if r.get("effect") != "accept_network"]
json.dump(p, open(sys.argv[2], "w"))' "$out/deny.json" "$out/deny-old.json"
old_config="${BENCH_OLD_CONFIG:-$out/deny.json}"

declare -A workloads=(
  [tar-x]="rm -rf $work/x && mkdir $work/x && tar xf $work/include.tar -C $work/x"
  [find]="find /usr -name '*.h' >/dev/null"
  [gcc-10]="for i in 1 2 3 4 5 6 7 8 9 10; do gcc -o $work/hello $work/hello.c; done"
  [python-10]="for i in 1 2 3 4 5 6 7 8 9 10; do /usr/bin/python3 -c 'import json,email,http.client'; done"
)
configs=(native strace-bpf seccheck-deny seccheck-deny+exit seccheck-enter-null)
old="${BENCH_OLD:-}"
if [ -n "$old" ]; then
  [ -x "$old/seccheck" ] || { echo "emulation.sh: BENCH_OLD=$old has no seccheck launcher" >&2; exit 1; }
  "$old/seccheck" --version >/dev/null
  configs=(native strace-bpf old-deny seccheck-deny seccheck-deny+exit seccheck-enter-null)
fi

run() { # config workload
  case "$1" in
    native) sh -c "$2" ;;
    strace-bpf) strace -f --seccomp-bpf -e trace=openat,connect -o /dev/null sh -c "$2" ;;
    seccheck-deny) "$sc" run --quiet --config "$out/deny.json" -- sh -c "$2" ;;
    old-deny) "$old/seccheck" run --quiet --config "$old_config" -- sh -c "$2" ;;
    seccheck-deny+exit) "$sc" run --quiet --config "$out/deny-exit.json" -- sh -c "$2" ;;
    seccheck-enter-null) "$sc" run --quiet --config "$out/enter-null.json" -- sh -c "$2" ;;
  esac
}

# shellcheck source=bench/rounds.sh
. "$here/bench/rounds.sh"
bench_rounds "$runs" ${BENCH_WORKLOADS:-tar-x find gcc-10 python-10}
