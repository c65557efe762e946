#!/usr/bin/env bash
# What an emulated open costs by the kind of file it reaches: bench/open-latency.c (N opens, each
# timed) of a regular file, a device (/dev/null: its cgroups are compared, DeviceCgroups) and a
# trailing symlink (its mount asked for nosymfollow, its directory for the sticky bit), under
# `seccheck run` with a session whose openat point makes seccheck perform the opens. Old and new
# alternate in each round (BENCH_OLD=DIR from bench/snapshot.sh); prints p50/p99 per path,
# version and round, and the medians of the p50s.
#
# Usage: BENCH_OLD=DIR bench/open-paths.sh [N] [ROUNDS]     (default 10000 opens, 5 rounds)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-10000}"
rounds="${2:-5}"
old="${BENCH_OLD:?BENCH_OLD=DIR: a launcher copied aside with bench/snapshot.sh}"
out="$here/bench/out/open-paths"
mkdir -p "$out"
gcc -O2 -o "$out/lat" "$here/bench/open-latency.c"
ln -sfn /etc/hostname "$out/link"
printf '{"name":"opens","points":[{"name":"syscall/openat/enter"}],"sinks":[{"name":"null"}]}\n' >"$out/opens.json"
"$here/seccheck" --version >/dev/null
: >"$out/results.tsv"
for r in $(seq "$rounds"); do
  for path in /etc/hostname /dev/null "$out/link"; do
    for which in old new; do
      sc="$here/seccheck"; [ "$which" = old ] && sc="$old/seccheck"
      line="$("$sc" run --quiet --config "$out/opens.json" -- "$out/lat" "$n" "$path" 2>/dev/null)"
      printf '%s\t%s\t%s\t%s\n' "$r" "${path##*/}" "$which" "$line" | tee -a "$out/results.tsv"
    done
  done
done
echo "medians of the p50s:"
awk -F'\t' '{p = $4; sub(/.*p50=/, "", p); sub(/us.*/, "", p); print $2 " " $3 "\t" p}' "$out/results.tsv" >"$out/p50.tsv"
/usr/bin/python3 "$here/bench/medians.py" --us "$out/p50.tsv"
