#!/usr/bin/env bash
# Side by side in one run: the same supervised workloads with the null, remote and kafka sinks,
# and the kafka sink with Kafka's own linger.ms (5) or batch.size (16 KiB) instead of the sink's
# defaults (100 ms, 256 KiB).
#   bench/kafka.sh [N]      N runs of each (default 5), interleaved; medians printed
# 1. points/s: a shell opening /etc/hostname 20,000 times (one syscall/openat/enter point each)
# 2. tar -x of an archive of 4,000 small files (openat and execve points), wall time vs the null sink
# Each workload is timed twice: by itself (what the checked program pays; the shell around it reads
# the clock before and after) and as the whole command (JVM start, the sink's setup and its flush
# at the end included). The CPU time of the whole command is kept too (user + system of seccheck and
# the program, /usr/bin/time; not the broker's or the remote server's): the same run of `true`
# subtracted, it is what each sink costs the checked host per point, which a broker on another
# host (as a fleet runs it) does not change, and which load on a shared machine hardly blurs.
# Starts its own broker (seccheck-kafka/broker) and remote server, and stops both by pid. The
# sinks wait up to 60 s for the broker at setup: a loaded machine made the default 10 s too short.
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
printf '{"name": "b", "points": %s, "sinks": [{"name": "kafka", "config": {"bootstrap_servers": "%s", "topic": "bench", "setup_timeout": "60s"}}]}' \
  "$points" "$bootstrap" > "$work/kafka.json"
printf '{"name": "b", "points": %s, "sinks": [{"name": "kafka", "config": {"bootstrap_servers": "%s", "topic": "bench", "setup_timeout": "60s", "properties": {"linger.ms": 5}}}]}' \
  "$points" "$bootstrap" > "$work/kafka-linger5.json"
printf '{"name": "b", "points": %s, "sinks": [{"name": "kafka", "config": {"bootstrap_servers": "%s", "topic": "bench", "setup_timeout": "60s", "properties": {"batch.size": 16384}}}]}' \
  "$points" "$bootstrap" > "$work/kafka-batch16k.json"
sinks="null remote kafka kafka-linger5 kafka-batch16k"

mkdir -p "$work/src"
for i in $(seq 4000); do echo "file $i" > "$work/src/f$i"; done
tar -cf "$work/a.tar" -C "$work/src" .

opens='i=0; while [ $i -lt 20000 ]; do : < /etc/hostname; i=$((i+1)); done'
untar="tar -xf $work/a.tar -C $work/x"
# Runs workload $3 under sink $2: appends the whole command's wall nanoseconds to $work/$1.$2 and
# the workload's own (read by the supervised shell around it) to $work/$1-program.$2.
time_of() {
  local s e
  s=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$here/seccheck" run --quiet --config "$work/$2.json" -- sh -c \
    "s=\$(date +%s%N); $3; e=\$(date +%s%N); echo \$((e - s)) >> $work/$1-program.$2" \
    >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  e=$(date +%s%N)
  echo $((e - s)) >> "$work/$1.$2"
  awk '{ printf "%.0f\n", ($1 + $2) * 1e9 }' "$work/cpu" >> "$work/$1-cpu.$2"
}
for sink in $sinks; do
  for f in opens tar idle; do : > "$work/$f.$sink"; : > "$work/$f-program.$sink"; : > "$work/$f-cpu.$sink"; done
done
for r in $(seq "$n"); do
  for sink in $sinks; do
    time_of opens "$sink" "$opens"
    rm -rf "$work/x"; mkdir "$work/x"
    time_of tar "$sink" "$untar"
    time_of idle "$sink" true
  done
  echo "run $r of $n done (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done
python3 - "$work" $sinks <<'PY'
import statistics, sys
w, sinks = sys.argv[1], sys.argv[2:]
med = lambda f: statistics.median(int(x) for x in open(f"{w}/{f}")) / 1e9
print("Medians; program = the workload alone, command = the whole seccheck run.")
print("| sink | 20,000 opens: program s | points/s | command s | tar -x 4,000 files: program s | vs null | command s | vs null |")
print("|---|---|---|---|---|---|---|---|")
tp, tc = med("tar-program.null"), med("tar.null")
for s in sinks:
    op, oc, p, c = med(f"opens-program.{s}"), med(f"opens.{s}"), med(f"tar-program.{s}"), med(f"tar.{s}")
    print(f"| {s} | {op:.2f} | {20000 / op:,.0f} | {oc:.2f} | {p:.2f} | {p / tp:.2f}x | {c:.2f} | {c / tc:.2f}x |")
print()
print("CPU of the checked host (seccheck and the program; not the broker, not the remote server), medians:")
print("| sink | `true`: CPU s | 20,000 opens: CPU s | per open, `true` subtracted, µs | tar -x: CPU s | tar -x, `true` subtracted, s |")
print("|---|---|---|---|---|---|")
for s in sinks:
    i, o, t = med(f"idle-cpu.{s}"), med(f"opens-cpu.{s}"), med(f"tar-cpu.{s}")
    print(f"| {s} | {i:.2f} | {o:.2f} | {(o - i) / 20000 * 1e6:.1f} | {t:.2f} | {t - i:.2f} |")
PY
