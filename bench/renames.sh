#!/usr/bin/env bash
# What a rename costs when seccheck performs links and renames (a session deciding on opens is
# there as the run starts): bench/rename-latency.c, 10,000 renames in a scratch directory, natively,
# under strace tracing the renames, under the default session (which performs opens but not
# renames: they are not intercepted at all) and under the README's deny policy (which performs
# them). Rounds alternate the four; medians of each round's p50.
# Then, as a whole command, a tree of 100 directories of 100 files each moved away and back
# (`mv t t2 && mv t2 t`: under the policy each name below the moved directory is checked), natively,
# under strace tracing the renames and under the deny policy: the median wall time of the rounds,
# start-up included.
# Both also under a policy with one kill rule on what runs (sentry/execve's binary_path under
# /tmp/denied-exec/), which since session 48 has seccheck perform every rename (ExecutableMoves),
# and under one whose rule is on argv alone, which since session 50 does not.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy and exec rule run too.
#
# Usage: bench/renames.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cat > "$out/exec-rule.json" <<'JSON'
{"name": "exec-rule", "points": [{"name": "sentry/execve"}],
 "sinks": [{"name": "policy", "config": {"rules": [
   {"effect": "execute_file", "match": {"binary_path": {"glob": "/tmp/denied-exec/**"}}, "action": "kill"}]}}]}
JSON
cat > "$out/exec-argv.json" <<'JSON'
{"name": "exec-argv", "points": [{"name": "sentry/execve"}],
 "sinks": [{"name": "policy", "config": {"rules": [
   {"effect": "execute_file", "match": {"argv": {"glob": "nc"}}, "action": "kill"}]}}]}
JSON
# Adds the exec rules' runs of $3 (on binary_path, and on argv alone, which no rename can take a
# file out of) under this build and, with BENCH_OLD, under the old one.
exec_rule() {
  local -n labels="$1" commands="$2"
  local rule
  for rule in exec-rule exec-argv; do
    labels+=("seccheck $rule")
    commands+=("$sc run --quiet --config $out/$rule.json -- $3")
    [ -n "${BENCH_OLD:-}" ] || continue
    labels+=("old seccheck $rule")
    commands+=("$BENCH_OLD/seccheck run --quiet --config $out/$rule.json -- $3")
  done
}
cc -O2 -o "$out/rename-latency" "$here/bench/rename-latency.c"
work="$(mktemp -d /tmp/seccheck-renames.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
prog="$out/rename-latency 10000"
declare -a names=(native "strace -f --seccomp-bpf" "seccheck default" "seccheck deny policy")
declare -a cmds=("$prog" "strace -f --seccomp-bpf -e trace=rename,renameat,renameat2 -o /dev/null $prog"
  "$sc run --quiet -- $prog" "$sc run --quiet --config $out/deny.json -- $prog")
bench_old_deny names cmds "$prog"
exec_rule names cmds "$prog"
for ((r = 0; r < rounds; r++)); do
  for i in "${!cmds[@]}"; do
    p50=$(bash -c "${cmds[$i]}" 2>/dev/null | sed -n 's/.*p50=\([0-9]*\)us.*/\1/p')
    echo "${names[$i]}	$p50"
  done
done | /usr/bin/python3 -c '
import sys, statistics, collections
d = collections.OrderedDict()
for line in sys.stdin:
    k, v = line.rstrip("\n").split("\t")
    d.setdefault(k, []).append(int(v))
print("| | rename p50 (us) | rounds |")
print("|:--|--:|:--|")
for k, v in d.items():
    print(f"| {k} | {statistics.median(v):.0f} | {v} |")
'

for d in $(seq 100); do mkdir -p "$work/t/$d"; (cd "$work/t/$d" && touch $(seq 100)); done
move="cd $work && mv t t2 && mv t2 t"
declare -a mv_names=(native "strace -f --seccomp-bpf" "seccheck deny policy")
declare -a mv_cmds=("$move" "strace -f --seccomp-bpf -e trace=rename,renameat,renameat2 -o /dev/null sh -c '$move'"
  "$sc run --quiet --config $out/deny.json -- sh -c '$move'")
bench_old_deny mv_names mv_cmds "sh -c '$move'"
exec_rule mv_names mv_cmds "sh -c '$move'"
bench_whole_commands "a tree of 10,100 names moved and back" "$rounds" : mv_names mv_cmds
