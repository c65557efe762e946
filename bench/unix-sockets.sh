#!/usr/bin/env bash
# What a connect and a datagram send to a unix socket by its path cost when seccheck performs them
# (a session with a connect point: the path is walked as the program's and the points are shown
# the socket's real path): bench/unix-latency.c, 2,000 rounds in a scratch directory, natively,
# under strace tracing connect and sendto, and under the README's deny policy. Rounds alternate the
# configurations; the medians of each round's p50 per call.
# With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) its deny policy runs too.
#
# Usage: bench/unix-sockets.sh [ROUNDS]   (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
bench_deny_policy "$out/deny.json"
cc -O2 -o "$out/unix-latency" "$here/bench/unix-latency.c"
work="$(mktemp -d /tmp/seccheck-unix.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
bench_deny_latency "$rounds" connect,sendto "$out/unix-latency 2000"
