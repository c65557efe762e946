#!/usr/bin/env bash
# What calling as the program costs an emulated open (Identity, session 16): bench/open-latency.c
# (N opens of /etc/hostname, each timed) under `seccheck run` as root, with a session whose
# openat point makes seccheck perform the opens, run by
#   root       a program with root's own credentials: its ids from its pidfd, its capabilities
#              (capget) and user namespace (a readlink) compared with seccheck's, nothing switched
#   nobody     a program setpriv'd to uid/gid 65534: every open reads its status and switches the
#              emulation thread's ids, groups and capabilities, and back
# Old and new alternate in each round (BENCH_OLD=DIR from bench/snapshot.sh); prints p50/p99 per
# configuration and round, and the medians of the p50s.
#
# Usage: BENCH_OLD=DIR bench/credentials.sh [N] [ROUNDS]     (default 20000 opens, 5 rounds; as root)
#        BENCH_WHO=root                                       one kind of program only
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-20000}"
rounds="${2:-5}"
old="${BENCH_OLD:?BENCH_OLD=DIR: a launcher copied aside with bench/snapshot.sh}"
out="$here/bench/out/credentials"
mkdir -p "$out"
[ "$(id -u)" = 0 ] || { echo "bench/credentials.sh: run it as root (it compares root and uid 65534 programs)" >&2; exit 1; }
gcc -O2 -o "$out/lat" "$here/bench/open-latency.c"
chmod 755 "$out" "$out/lat"
printf '{"name":"opens","points":[{"name":"syscall/openat/enter"}],"sinks":[{"name":"null"}]}\n' >"$out/opens.json"
"$here/seccheck" --version >/dev/null
: >"$out/results.tsv"
whos="${BENCH_WHO:-root nobody}"
for r in $(seq "$rounds"); do
  for who in $whos; do
    for which in old new; do
      sc="$here/seccheck"; [ "$which" = old ] && sc="$old/seccheck"
      pre=(); [ "$who" = nobody ] && pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
      line="$("$sc" run --quiet --config "$out/opens.json" -- "${pre[@]}" "$out/lat" "$n" 2>/dev/null)"
      printf '%s\t%s\t%s\t%s\n' "$r" "$who" "$which" "$line" | tee -a "$out/results.tsv"
    done
  done
done
echo "medians of the p50s:"
awk -F'\t' '{p = $4; sub(/.*p50=/, "", p); sub(/us.*/, "", p); print $2 " " $3 "\t" p}' "$out/results.tsv" >"$out/p50.tsv"
/usr/bin/python3 "$here/bench/medians.py" --us "$out/p50.tsv"
