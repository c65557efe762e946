#!/usr/bin/env bash
# Per-process cost and start-up of `seccheck run`, side by side with the bare program and strace
# (issue 13). Two blocks, each timed in interleaved rounds (one round runs every configuration
# once, in turn), so a burst of someone else's load on this shared machine hits all of them alike.
# Medians of wall time, ratios to the first configuration of the block.
#
# Usage: bench/perprocess.sh [ROUNDS]                (default 7; needs strace and python3)
#        BENCH_OLD=/path/to/other/checkout bench/perprocess.sh
#            adds that checkout's launcher (built, with its own AOT cache) as "old ..." rows:
#            the way to show old and new in one run. Copy a build aside first, as bench/jit.sh
#            does, so the two never share a cache:  bench/snapshot.sh /tmp/seccheck-old
#        BENCH_BLOCKS="loop startup first"        (the blocks to run, default all three)
#
# Blocks:
#   loop      sh -c 'for i in $(seq 300); do /bin/true; done'
#               native, strace -f, strace -f --seccomp-bpf -e trace=execve,openat,connect,
#               strace -f --seccomp-bpf -e trace=none (the stops every traced process costs, no
#               syscall: what seccheck none costs at the least), seccheck none (a session with no point), default (built-in session, text sink
#               to /dev/null), all-null (every point with every field, null sink)
#   startup   a Java hello-world on the same JDK with the launcher's GC and JIT flags (the ratios'
#               base); /bin/true; seccheck run --quiet -- /bin/true (default session)
#   first     time from just before the launch to the program's first instruction: bench/now.c
#               prints the clock at its main, natively and under seccheck run --quiet (default
#               session); the sample is that clock minus the one read before starting the command
# Writes bench/out/perprocess-<block>.md and prints them.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-7}"
out="$here/bench/out"
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
none="$out/none.json"
all="$out/all-null.json"
old="${BENCH_OLD:-}"
if [ -n "$old" ]; then
  [ -x "$old/seccheck" ] || { echo "perprocess.sh: BENCH_OLD=$old has no seccheck launcher" >&2; exit 1; }
  "$old/seccheck" --version >/dev/null
fi

loop='for i in $(seq 300); do /bin/true; done'
declare -a names cmds
add() { names+=("$1"); cmds+=("$2"); }
block_loop() {
  add native "sh -c '$loop'"
  add "strace -f" "strace -f -o /dev/null sh -c '$loop'"
  add "strace -f --seccomp-bpf" "strace -f --seccomp-bpf -e trace=execve,openat,connect -o /dev/null sh -c '$loop'"
  add "strace -f --seccomp-bpf, no syscall" "strace -f --seccomp-bpf -e trace=none -o /dev/null sh -c '$loop'"
  add "seccheck none" "$sc run --quiet --config $none -- sh -c '$loop'"
  add "seccheck default" "$sc run --quiet -- sh -c '$loop'"
  add "seccheck all-null" "$sc run --quiet --config $all -- sh -c '$loop'"
  if [ -n "$old" ]; then
    add "old seccheck none" "$old/seccheck run --quiet --config $none -- sh -c '$loop'"
    add "old seccheck default" "$old/seccheck run --quiet -- sh -c '$loop'"
  fi
}
block_startup() {
  add "java hello" "$JAVA_HOME/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp $out Hello"
  add native /bin/true
  add "seccheck run -- /bin/true" "$sc run --quiet -- /bin/true"
  [ -z "$old" ] || add "old seccheck run -- /bin/true" "$old/seccheck run --quiet -- /bin/true"
}
block_first() {
  add "native now" "$out/now"
  add "seccheck run -- now" "$sc run --quiet -- $out/now"
  [ -z "$old" ] || add "old seccheck run -- now" "$old/seccheck run --quiet -- $out/now"
}

for block in ${BENCH_BLOCKS:-loop startup first}; do
  names=() cmds=()
  "block_$block"
  samples="$out/perprocess-$block.tsv"
  : >"$samples"
  for ((r = 0; r <= rounds; r++)); do # round 0 warms the page cache and is not recorded
    for i in "${!cmds[@]}"; do
      start=$EPOCHREALTIME
      if [ "$block" = first ]; then
        end="$(bash -c "${cmds[$i]}" 2>/dev/null)" || { echo "perprocess.sh: failed: ${cmds[$i]}" >&2; exit 1; }
      else
        bash -c "${cmds[$i]}" >/dev/null 2>&1 || { echo "perprocess.sh: failed: ${cmds[$i]}" >&2; exit 1; }
        end=$EPOCHREALTIME
      fi
      [ "$r" = 0 ] || printf '%s\t%s\n' "${names[$i]}" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')" >>"$samples"
    done
  done
  /usr/bin/python3 "$here/bench/medians.py" "$samples" >"$out/perprocess-$block.md"
  echo "## $block ($rounds rounds)"
  cat "$out/perprocess-$block.md"
done
