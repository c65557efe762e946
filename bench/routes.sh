#!/usr/bin/env bash
# What a source route set as a socket option costs (bench/route-latency.c, 5,000 setsockopt calls of
# IP_OPTIONS per list): natively (set), under strace tracing setsockopt, and under the README's deny
# policy (refused after seccheck's trial; the list with a security option also asks whether the
# program holds CAP_NET_RAW). Rounds alternate the configurations; the medians of each round's p50,
# in microseconds. With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy
# runs too.
#
# Usage: bench/routes.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/route-latency" "$here/bench/route-latency.c"
bench_deny_latency "$rounds" setsockopt "$out/route-latency 5000"
