#!/usr/bin/env bash
# What deciding on every program of a #! script's chain costs an exec (bench/spawn-loop.c, N runs
# of a script whose interpreter is /bin/true, so the process itself costs little): a script
# straight to its interpreter, and a chain of two scripts. Natively, under strace tracing execve,
# and under a session whose policy decides on what runs (a kill rule on a binary the runs never
# execute: every exec is decided, none is killed). Rounds alternate the configurations; the median
# of each configuration's p50 a run, in microseconds.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its policy runs too.
#
# Usage: bench/scripts.sh [RUNS] [ROUNDS]   (default 1000 runs, 5 rounds)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1000}"
rounds="${2:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
cc -O2 -o "$out/spawn-loop" "$here/bench/spawn-loop.c"
dir="$out/scripts"
rm -rf "$dir" && mkdir -p "$dir"
printf '#!/bin/true\n' >"$dir/direct"
printf '#!/bin/true\n' >"$dir/middle"
printf '#!%s\n' "$dir/middle" >"$dir/chained"
cp /bin/true "$dir/never"
chmod +x "$dir/direct" "$dir/middle" "$dir/chained"
cat >"$out/exec-policy.json" <<JSON
{"name": "exec", "points": [{"name": "sentry/execve"}],
 "sinks": [{"name": "policy", "config": {"rules": [
   {"effect": "execute_file", "match": {"binary_path": "$dir/never"}, "action": "kill"}]}}]}
JSON
names=(native "strace -f --seccomp-bpf" "seccheck exec policy")
prefixes=("" "strace -f --seccomp-bpf -e trace=execve -o /dev/null" "$sc run --quiet --config $out/exec-policy.json --")
if [ -n "${BENCH_OLD:-}" ]; then
  names+=("old seccheck exec policy")
  prefixes+=("$BENCH_OLD/seccheck run --quiet --config $out/exec-policy.json --")
fi
printf '| script | %s |\n|:--|' "$(IFS='|'; echo "${names[*]}" | sed 's/|/ | /g')"
for _ in "${names[@]}"; do printf -- '--:|'; done
printf '\n'
for script in direct chained; do
  declare -A p50=()
  for ((r = 0; r < rounds; r++)); do
    for i in "${!names[@]}"; do
      line=$( { ${prefixes[$i]} "$out/spawn-loop" "$runs" "$dir/$script" 2>&1 >/dev/null; } | grep -o 'p50 [0-9]*' )
      p50[$i]+="${line#p50 } "
    done
  done
  printf '| %s |' "$script"
  for i in "${!names[@]}"; do
    printf ' %s |' "$(printf '%s\n' ${p50[$i]} | sort -n | sed -n "$(((rounds + 1) / 2))p")"
  done
  printf '\n'
  unset p50
done
