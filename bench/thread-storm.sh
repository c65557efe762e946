#!/usr/bin/env bash
# Thread storm (issue 15 item 1): N threads loop on openat while a new thread calls exit_group(3)
# after 300 ms; wall time natively, under `strace -f` and under `seccheck run` with the default
# session (openat enter and exit points, text sink to a file), for N from 1 to 256.
# seccheck's time is measured by a shell around the program inside the run, so the JVM's
# start-up is left out (strace's own start-up is in its time, a few ms).
# Usage: bench/thread-storm.sh [N...]   (from the repository root; needs gcc and strace)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seccheck=${SECCHECK:-$here/seccheck}   # SECCHECK=... to use another launcher
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 4 16 32 64 128 256)
tmp=$(mktemp -d /tmp/seccheck-storm.XXXXXX); trap 'rm -rf "$tmp"' EXIT
gcc -O1 -Wall -o "$tmp/storm" "$here/seccheck-sentry/src/test/c/thread_storm.c" -lpthread
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
printf '| threads | native s | strace -f s | seccheck s | seccheck / strace |\n|---|---|---|---|---|\n'
for n in "${counts[@]}"; do
  s=$(now); "$tmp/storm" "$n" || true; native=$(secs "$s" "$(now)")
  s=$(now); strace -f -qq -o "$tmp/strace.out" "$tmp/storm" "$n" || true; st=$(secs "$s" "$(now)")
  "$seccheck" run --quiet -- /bin/sh -c "s=\$(date +%s%N); '$tmp/storm' $n; e=\$(date +%s%N); echo \$(( (e-s)/1000000 )) > '$tmp/ms'" \
    2>"$tmp/text.out" || true
  sc=$(echo "scale=3; $(cat "$tmp/ms") / 1000" | bc)
  printf '| %s | %.2f | %.2f | %.2f | %.2f |\n' "$n" "$native" "$st" "$sc" "$(echo "scale=3; $sc / $st" | bc)"
done
