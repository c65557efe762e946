#!/usr/bin/env bash
# What a signal to one task costs now that the guard holds it for seccheck (SignalTargets):
# bench/signal-latency.c makes N signal-0 calls of one kind and prints the time per call, natively,
# under seccheck with no point, and (with BENCH_OLD=DIR from bench/snapshot.sh) under an older
# build, rounds alternating.
#
# Usage: [BENCH_OLD=DIR] bench/signals.sh [ROUNDS] [N]   (default 3 rounds of 20,000 calls)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
n="${2:-20000}"
out="$here/bench/out/signals"
mkdir -p "$out"
cc -O2 -o "$out/signal-latency" "$here/bench/signal-latency.c"
printf '{"name":"Default","points":[],"sinks":[{"name":"null"}]}\n' >"$out/none.json"
"$here/seccheck" --version >/dev/null
loop="$out/signal-latency"
for r in $(seq "$rounds"); do
  for kind in self child thread; do
    echo "native $kind: $("$loop" "$kind" "$n")"
    echo "seccheck $kind: $("$here/seccheck" run --quiet --config "$out/none.json" -- "$loop" "$kind" "$n")"
    if [ -n "${BENCH_OLD:-}" ]; then
      echo "old seccheck $kind: $("$BENCH_OLD/seccheck" run --quiet --config "$out/none.json" -- "$loop" "$kind" "$n")"
    fi
  done
done | sort | awk -F': ' '{ split($2, w, " "); v[$1] = v[$1] " " w[1] } END { for (k in v) print k ":" v[k] " ns" }' | sort
