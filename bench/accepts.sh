#!/usr/bin/env bash
# What an accept costs when a policy decides on the peer (bench/accept-latency.c, 2,000 rounds):
# a blocking accept of a pending loopback connection, and a non-blocking accept with none
# pending; and a bind, which a policy deciding at connect now holds (a UDP one, a unix one).
# Natively, under strace tracing accept, accept4 and bind, and under the README's deny policy
# (whose accept rules make seccheck accept for the program); rounds alternate the
# configurations, the medians of each round's p50 per call.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy runs too.
#
# Usage: bench/accepts.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/accept-latency" "$here/bench/accept-latency.c"
cd "$out"  # the unix socket's name is made in the working directory
bench_deny_latency "$rounds" accept,accept4,bind "$out/accept-latency 2000"
