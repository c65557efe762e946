#!/bin/sh
# Open latency of two seccheck builds, alternated round by round (this machine is shared and
# noisy): the p50 of 20,000 opens under three configurations, for each build in each round.
#   OLD=/path/to/snapshot NEW=/path/to/snapshot GUARD=guard.json bench/ab-open.sh [ROUNDS]
# Snapshots come from bench/snapshot.sh; GUARD is the README's example guard policy.
#   guard-missing  an open of a missing file under the guard policy (decided, fails)
#   default-trail  an open of /etc/hostname under the default session, lines to a trail file
#   guard-devnull  an open of /dev/null under the guard policy (a device whose open cannot wait)
set -e
: "${OLD:?OLD=snapshot of the old build}" "${NEW:?NEW=snapshot of the new build}" "${GUARD:?GUARD=policy file}"
rounds=${1:-6}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/open-latency" "$here/open-latency.c"
p50() { grep -o 'p50=[0-9]*' | cut -d= -f2; }
r=1
while [ "$r" -le "$rounds" ]; do
  for v in old new; do
    s=$OLD; [ "$v" = new ] && s=$NEW
    a=$("$s/seccheck" run --quiet --config "$GUARD" -- "$work/open-latency" 20000 /nonexistent/x 2>&1 | p50)
    b=$("$s/seccheck" run --quiet -o "$work/trail.txt" -- "$work/open-latency" 20000 2>&1 | p50)
    c=$("$s/seccheck" run --quiet --config "$GUARD" -- "$work/open-latency" 20000 /dev/null 2>&1 | p50)
    rm -f "$work/trail.txt"
    echo "round $r $v: guard-missing p50=${a}us default-trail p50=${b}us guard-devnull p50=${c}us"
  done
  r=$((r + 1))
done
