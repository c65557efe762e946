#!/usr/bin/env bash
# What the calls on one name cost when seccheck performs them (a session deciding on opens is there
# as the run starts): bench/name-latency.c, 2,000 rounds of mkdir, symlink, mknod, truncate, chmod,
# chown, setxattr, removexattr, utimensat by name and on a descriptor (futimens, which is not held),
# a unix socket's bind, three unlinks and rmdir in a scratch directory, natively, under
# strace tracing those calls, under the default session (which does not intercept them) and under
# the README's deny policy (which performs them). Rounds alternate the configurations; the medians
# of each round's p50 per call.
# Then, as a whole command, `rm -rf` of a tree of 100 directories of 100 files each (made anew
# before each run), natively, under strace tracing the removals and under the deny policy: the
# median wall time of the rounds, start-up included.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy runs too.
#
# Usage: bench/names.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/name-latency" "$here/bench/name-latency.c"
work="$(mktemp -d /tmp/seccheck-names.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
prog="$out/name-latency 2000"
traced=unlink,unlinkat,rmdir,mkdir,mkdirat,mknod,mknodat,symlink,symlinkat,truncate,chmod,fchmodat,chown,lchown,fchownat,setxattr,removexattr,utime,utimes,futimesat,utimensat,bind
declare -a names=(native "strace -f --seccomp-bpf" "seccheck default" "seccheck deny policy")
declare -a cmds=("$prog" "strace -f --seccomp-bpf -e trace=$traced -o /dev/null $prog"
  "$sc run --quiet -- $prog" "$sc run --quiet --config $out/deny.json -- $prog")
bench_old_deny names cmds "$prog"
bench_call_medians "$rounds" names cmds

tree() { rm -rf "$work/t"; for d in $(seq 100); do mkdir -p "$work/t/$d"; (cd "$work/t/$d" && touch $(seq 100)); done; }
declare -a rm_names=(native "strace -f --seccomp-bpf" "seccheck deny policy")
declare -a rm_cmds=("rm -rf $work/t" "strace -f --seccomp-bpf -e trace=unlink,unlinkat,rmdir -o /dev/null rm -rf $work/t"
  "$sc run --quiet --config $out/deny.json -- rm -rf $work/t")
bench_old_deny rm_names rm_cmds "rm -rf $work/t"
bench_whole_commands "rm -rf of 10,100 names" "$rounds" tree rm_names rm_cmds
