#!/usr/bin/env bash
# What a send without an address costs (bench/send-latency.c, 20,000 one-byte sends on a connected
# UDP socket): natively, under strace tracing connect and sendto, and under the README's deny policy
# (a connect point: sends that name an address are performed by seccheck, the others are not held);
# then 20,000 sendto calls that name the address, which seccheck performs.
# Rounds alternate the configurations; the medians of each round's p50, in nanoseconds.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy runs too.
#
# Usage: bench/sends.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/send-latency" "$here/bench/send-latency.c"
bench_deny_latency "$rounds" connect,sendto "$out/send-latency 20000"
bench_deny_latency "$rounds" connect,sendto "$out/send-latency 20000 addressed"
