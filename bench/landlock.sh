#!/usr/bin/env bash
# What a program's own Landlock domain costs its emulated opens (LandlockDomains): N opens of
# /etc/hostname, each timed (bench/open-latency.c), natively and under `seccheck run` with a
# session whose openat point makes seccheck perform them, by a program that is unconfined or
# confined (bench/landlock-exec.c: a domain that refuses nothing). A confined task's open is made
# on a thread of seccheck's confined as the task is: one hand-off more. The four alternate in
# each round; prints p50/p99 per configuration and round, and the medians of the p50s
# (bench/medians.py).
#
# Usage: bench/landlock.sh [N] [ROUNDS]     (default 20000 opens, 5 rounds)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-20000}"
rounds="${2:-5}"
out="$here/bench/out/landlock"
mkdir -p "$out"
gcc -O2 -o "$out/lat" "$here/bench/open-latency.c"
gcc -O2 -o "$out/landlock-exec" "$here/bench/landlock-exec.c"
printf '{"name":"opens","points":[{"name":"syscall/openat/enter"}],"sinks":[{"name":"null"}]}\n' >"$out/opens.json"
"$here/seccheck" --version >/dev/null
: >"$out/results.tsv"
kinds="native native-confined seccheck seccheck-confined"
for r in $(seq "$rounds"); do
  for kind in $kinds; do
    pre=(); case "$kind" in *confined) pre=("$out/landlock-exec") ;; esac
    case "$kind" in
      native*) line="$("${pre[@]}" "$out/lat" "$n")" ;;
      *) line="$("$here/seccheck" run --quiet --config "$out/opens.json" -- "${pre[@]}" "$out/lat" "$n" 2>/dev/null)" ;;
    esac
    printf '%s\t%s\t%s\n' "$r" "$kind" "$line" | tee -a "$out/results.tsv"
  done
done
echo "medians of the p50s:"
awk -F'\t' '{p = $3; sub(/.*p50=/, "", p); sub(/us.*/, "", p); print $2 "\t" p}' "$out/results.tsv" >"$out/p50.tsv"
/usr/bin/python3 "$here/bench/medians.py" --us "$out/p50.tsv"
