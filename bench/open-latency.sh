#!/usr/bin/env bash
# Latency of single opens under `seccheck run`, and what the supervisor allocates per point
# (issue 15 item 6, issue 13 "allocation"). bench/open-latency.c does N open()+close() of
# /etc/hostname and times each open; it prints p50/p99/p99.9/max and the opens over 10 ms.
# The supervisor runs with a GC log (-Xlog:gc,gc+exit): young collections, their longest
# pause, and the bytes allocated, from which a run with N=1 (start-up and one open) is subtracted to
# give bytes per open (an open+close iteration).
#
# Sessions:
#   remote    openat enter+exit (context time and thread_id) to the remote sink, received by a
#             `seccheck server` of this checkout writing to /dev/null (brief z-alloc's config)
#   default   the built-in session, text sink to a file (-o)
#
# Usage: bench/open-latency.sh [N] [ROUNDS]        (default 20000 opens, 3 rounds)
#        BENCH_OLD=DIR bench/open-latency.sh       adds "old" rows from a launcher copied aside
#                                                  with bench/snapshot.sh DIR (same rounds,
#                                                  interleaved, so load hits both alike)
#        BENCH_OPTS="label=JVM flags;label2=flags" adds rows of this checkout run with extra JVM
#                                                  flags (SECCHECK_JAVA_OPTS), e.g. a young-gen size
#        BENCH_SESSIONS="remote"                   one session only
#        BENCH_LAT_ARGS="/tmp/f trunc"             times open(/tmp/f, O_WRONLY|O_CREAT|O_TRUNC)
#                                                  instead (an open with an effect, DescriptorRoom)
# Writes bench/out/open-latency.tsv (one row a run) and .md (medians per configuration), and
# prints the table. Run it from a checkout you are not editing (the launcher rebuilds when
# sources change): git worktree add --detach /work/bench-x BRANCH.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-20000}"
rounds="${2:-3}"
out="$here/bench/out/open-latency"
sc="$here/seccheck"
old="${BENCH_OLD:-}"
mkdir -p "$out"
"$sc" --version >/dev/null
[ -z "$old" ] || "$old/seccheck" --version >/dev/null
gcc -O2 -o "$out/lat" "$here/bench/open-latency.c"
sock="$out/ev.sock"
printf '{"trace_session":{"name":"lat","points":[{"name":"syscall/openat/enter","context_fields":["time","thread_id"]},{"name":"syscall/openat/exit","context_fields":["time"]}],"sinks":[{"name":"remote","config":{"endpoint":"%s"}}]}}\n' \
  "$sock" >"$out/remote.json"

rm -f "$sock"
"$sc" server --endpoint "$sock" --out /dev/null 2>"$out/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "open-latency.sh: the server did not listen on $sock" >&2; exit 1; }

declare -a names launchers opts
add() { names+=("$1"); launchers+=("$2"); opts+=("$3"); }
add new "$sc" ""
[ -z "$old" ] || add old "$old/seccheck" ""
IFS=';' read -ra extra <<<"${BENCH_OPTS:-}"
for e in "${extra[@]}"; do
  [ -n "$e" ] && add "new ${e%%=*}" "$sc" "${e#*=}"
done

# one_run NAME LAUNCHER OPTS SESSION COUNT: one supervised run; appends a TSV row.
one_run() {
  local name="$1" launcher="$2" jopts="$3" session="$4" count="$5" gc="$out/gc.log" line
  local args=(run --quiet)
  case "$session" in
    remote) args+=(--config "$out/remote.json") ;;
    default) args+=(-o "$out/trace.txt") ;;
  esac
  rm -f "$gc" "$out/trace.txt"
  line="$(SECCHECK_JAVA_OPTS="$jopts -Xlog:gc,gc+exit:file=$gc" "$launcher" "${args[@]}" -- "$out/lat" "$count" ${BENCH_LAT_ARGS:-})"
  /usr/bin/python3 "$here/bench/open-latency.py" row "$name" "$session" "$count" "$line" "$gc" >>"$out/open-latency.tsv"
}

: >"$out/open-latency.tsv"
for session in ${BENCH_SESSIONS:-remote default}; do
  for i in "${!names[@]}"; do # start-up, subtracted from the allocations
    one_run "${names[$i]}" "${launchers[$i]}" "${opts[$i]}" "$session" 1
  done
  for ((r = 0; r < rounds; r++)); do
    for i in "${!names[@]}"; do
      one_run "${names[$i]}" "${launchers[$i]}" "${opts[$i]}" "$session" "$n"
    done
  done
done
/usr/bin/python3 "$here/bench/open-latency.py" table "$out/open-latency.tsv" >"$out/open-latency.md"
cat "$out/open-latency.md"
