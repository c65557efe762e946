#!/usr/bin/env bash
# What a FUSE mount in the program's mount namespace costs a short process (FileLooks): the
# lifecycle family of bench/point-families.sh (sentry/execve looks at every executed file) in a
# private mount namespace without and with an idle FUSE filesystem mounted (its server,
# seccheck-sentry/src/test/c/fuse_hang.c --idle, answers nothing but the handshake). Rounds
# alternate the two; each prints spawn-loop's percentiles. Needs root and /dev/fuse.
#
# Usage: bench/fuse-namespace.sh [ROUNDS]   (default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
out="$here/bench/out"
[ "$(id -u)" = 0 ] && [ -w /dev/fuse ] || { echo "bench/fuse-namespace.sh: needs root and /dev/fuse" >&2; exit 1; }
[ -f "$out/family-life.json" ] && [ -x "$out/spawn-loop" ] || { echo "run bench/point-families.sh once first" >&2; exit 1; }
cc -O2 -o "$out/fuse_hang" "$here/seccheck-sentry/src/test/c/fuse_hang.c"
mnt="$(mktemp -d /tmp/seccheck-fuse.XXXXXX)"
trap 'rmdir "$mnt"' EXIT
one() { # one measurement in a fresh private namespace; $1 = plain or fuse
  unshare -m bash -c '
    mount --make-rprivate /
    if [ "$1" = fuse ]; then "$2/fuse_hang" --idle "$3" >/dev/null & server=$!; sleep 0.3; fi
    { "$4" run --quiet --config "$2/family-life.json" -- sh -c "$2/spawn-loop 1000 /bin/true 2>&4" 2>/dev/null; } 4>&1
    if [ "$1" = fuse ]; then kill $server; wait $server 2>/dev/null || true; fi' _ "$1" "$out" "$mnt" "$here/seccheck"
}
for ((r = 0; r < rounds; r++)); do
  for m in plain fuse; do echo "$m $(one $m)"; done
done
