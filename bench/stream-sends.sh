#!/usr/bin/env bash
# What a program's stream sends cost seccheck under the README's deny policy (a connect point:
# seccheck makes every sendmsg itself). (1) seccheck's resident size while 300 sendmsg of 1 MiB
# each wait on unix stream sockets whose readers never read (seccheck-sentry's
# src/test/c/waiting_stream_sends.c; VmRSS of the program's parent, seccheck's JVM, once every send
# has begun), and the same run's program without seccheck for scale. (2) The throughput of a bulk
# stream (bench/stream-bulk.c: 1 GiB in sendmsg of 1 MiB over a unix socketpair), natively and under
# seccheck. With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) that build runs beside.
#
# Usage: bench/stream-sends.sh [ROUNDS]   (default 3: rounds of the throughput, alternated)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/waiting-stream-sends" "$here/seccheck-sentry/src/test/c/waiting_stream_sends.c"
cc -O2 -o "$out/stream-bulk" "$here/bench/stream-bulk.c"
builds=(new)
launchers=("$sc")
if [ -n "${BENCH_OLD:-}" ]; then
  builds=(old new)
  launchers=("$BENCH_OLD/seccheck" "$sc")
fi

# rss LAUNCHER: seccheck's VmRSS (kB) with 300 sends of 1 MiB waiting.
rss() {
  local d
  d="$(mktemp -d)"
  "$1" run --quiet --config "$out/deny.json" -- "$out/waiting-stream-sends" 300 "$d" &
  local run=$!
  while [ ! -s "$d/waiting" ]; do kill -0 "$run" || { echo "the program ended early" >&2; exit 1; }; sleep 0.1; done
  sleep 1 # the senders' threads settle
  awk '/^VmRSS/ {print $2}' "/proc/$(cat "$d/waiting")/status"
  touch "$d/done"
  wait "$run"
  rm -rf "$d"
}

for i in "${!builds[@]}"; do
  echo "${builds[$i]} seccheck, RSS with 300 waiting 1 MiB sends: $(rss "${launchers[$i]}") kB"
done
for r in $(seq "$rounds"); do
  echo "round $r: native $("$out/stream-bulk")"
  for i in "${!builds[@]}"; do
    echo "round $r: ${builds[$i]} seccheck $("${launchers[$i]}" run --quiet --config "$out/deny.json" -- "$out/stream-bulk")"
  done
done
