#!/usr/bin/env bash
# What the calls a network policy now holds or performs cost (bench/message-latency.c, 2,000
# rounds): a sendmsg with a TTL and no address, a netlink dump request, a record-route
# setsockopt; from a program with one thread and from one with a second, sleeping thread (which
# shares its descriptors: its netlink requests are sent by seccheck). Natively, under strace
# tracing those calls, and under the README's deny policy; rounds alternate the configurations,
# the medians of each round's p50 per call.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy runs too.
#
# Usage: bench/messages.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -pthread -o "$out/message-latency" "$here/bench/message-latency.c"
for threads in single threaded; do
  echo "## $threads"
  bench_deny_latency "$rounds" sendmsg,sendto,setsockopt "$out/message-latency 2000 $threads"
done
