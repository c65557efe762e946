#!/usr/bin/env bash
# Side by side in one run: the same supervised workloads with the null, remote and kafka sinks.
#   bench/kafka.sh [N]      N runs of each (default 5), interleaved; medians printed
# 1. points/s: a shell opening /etc/hostname 20,000 times (one syscall/openat/enter point each)
# 2. tar -x of an archive of 4,000 small files (openat and execve points), wall time vs the null sink
# Starts its own broker (seccheck-kafka/broker) and remote server, and stops both by pid.
# Run it on a tree that is built and left alone: ./seccheck rebuilds when sources change, and a
# rebuild inside a timed run makes that run worthless.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-5}"
work="$(mktemp -d /tmp/seccheck-kafka-bench.XXXXXX)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  "$here/seccheck-kafka/broker" stop "$work/broker" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$here/seccheck-kafka/broker" start "$work/broker" >&2
bootstrap="$(cat "$work/broker/bootstrap")"
"$here/seccheck" server --endpoint "$work/s.sock" --out /dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do [ -S "$work/s.sock" ] && break; sleep 0.2; done

points='[{"name": "syscall/openat/enter", "context_fields": ["container_id"]},
         {"name": "sentry/execve", "context_fields": ["container_id"]}]'
printf '{"name": "b", "points": %s, "sinks": [{"name": "null"}]}' "$points" > "$work/null.json"
printf '{"name": "b", "points": %s, "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}' \
  "$points" "$work/s.sock" > "$work/remote.json"
printf '{"name": "b", "points": %s, "sinks": [{"name": "kafka", "config": {"bootstrap_servers": "%s", "topic": "bench"}}]}' \
  "$points" "$bootstrap" > "$work/kafka.json"

mkdir -p "$work/src"
for i in $(seq 4000); do echo "file $i" > "$work/src/f$i"; done
tar -cf "$work/a.tar" -C "$work/src" .

opens='i=0; while [ $i -lt 20000 ]; do : < /etc/hostname; i=$((i+1)); done'
time_of() { # prints the wall nanoseconds of a command, failing if it fails
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }; e=$(date +%s%N)
  echo $((e - s))
}
for sink in null remote kafka; do : > "$work/opens.$sink"; : > "$work/tar.$sink"; done
for r in $(seq "$n"); do
  for sink in null remote kafka; do
    time_of "$here/seccheck" run --quiet --config "$work/$sink.json" -- sh -c "$opens" >> "$work/opens.$sink"
    rm -rf "$work/x"; mkdir "$work/x"
    time_of "$here/seccheck" run --quiet --config "$work/$sink.json" -- tar -xf "$work/a.tar" -C "$work/x" >> "$work/tar.$sink"
  done
  echo "run $r of $n done" >&2
done
python3 - "$work" <<'PY'
import statistics, sys
w = sys.argv[1]
med = lambda f: statistics.median(int(x) for x in open(f"{w}/{f}")) / 1e9
print("| sink | 20,000 opens: median s | points/s | tar -x 4,000 files: median s | vs null |")
print("|---|---|---|---|---|")
base = med("tar.null")
for s in ("null", "remote", "kafka"):
    o, t = med(f"opens.{s}"), med(f"tar.{s}")
    print(f"| {s} | {o:.2f} | {20000 / o:,.0f} | {t:.2f} | {t / base:.2f}x |")
PY
