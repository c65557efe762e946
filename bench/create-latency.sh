#!/usr/bin/env bash
# What a `trace create` costs on a running workload of many threads: the tracer injects a filter
# layer into every thread (and proves each is in place, LayerProbe) before the create returns.
# The workload is python3 with THREADS threads asleep; the session enables one syscall exit point
# to the null sink, so every create needs a new layer. Each create is timed whole (the CLI's own
# JVM start included) and followed by a delete. With BENCH_OLD=<a snapshot of another build>
# (bench/snapshot.sh), its run and CLI are timed the same way, rounds alternating.
#
# Usage: bench/create-latency.sh [THREADS] [CREATES] [ROUNDS]   (default 1000 threads, 9, 2)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads="${1:-1000}"
creates="${2:-9}"
rounds="${3:-2}"
out="$here/bench/out"
mkdir -p "$out"
"$here/seccheck" --version >/dev/null
printf '{"name":"base","points":[{"name":"sentry/clone"}],"sinks":[{"name":"null"}]}\n' >"$out/create-base.json"
printf '{"name":"late","points":[{"name":"syscall/chdir/exit"}],"sinks":[{"name":"null"}]}\n' >"$out/create-late.json"
samples="$out/create-latency.tsv"
: >"$samples"
builds=("$here")
names=("seccheck")
if [ -n "${BENCH_OLD:-}" ]; then
  builds+=("$BENCH_OLD")
  names+=("old seccheck")
fi
for ((r = 0; r < rounds; r++)); do
  for i in "${!builds[@]}"; do
    sc="${builds[$i]}/seccheck"
    id="create-latency-$$-$r-$i"
    "$sc" run --quiet --id "$id" --config "$out/create-base.json" -- python3 -c "
import threading, time
for _ in range($threads):
    threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
time.sleep(3600)" &
    run=$!
    until "$sc" list 2>/dev/null | grep -q "$id"; do sleep 0.2; done
    sleep 1 # the threads start
    for ((c = 0; c < creates; c++)); do
      t0=$(date +%s%N)
      "$sc" trace create --config "$out/create-late.json" "$id" >/dev/null
      t1=$(date +%s%N)
      "$sc" trace delete --name late "$id" >/dev/null
      printf '%s\t%s\n' "${names[$i]}, $threads threads" "$(awk "BEGIN { print ($t1 - $t0) / 1e9 }")" >>"$samples"
    done
    kill "$run"
    wait "$run" 2>/dev/null || true
  done
done
/usr/bin/python3 "$here/bench/medians.py" "$samples"
