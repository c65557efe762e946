#!/usr/bin/env bash
# Whole-command overhead of `seccheck run` against the bare program and strace, side by side.
#
# Usage: bench/overhead.sh [RUNS]      (default 5 runs per command; needs hyperfine, strace)
#        BENCH_WORKLOADS="tar find" bench/overhead.sh   (a subset; "" for the /bin/true block only)
# hyperfine discards the commands' stdout and stderr (so the default session's text sink costs its
# formatting and the write to /dev/null). Writes the hyperfine tables (markdown) to bench/out/, prints them, and the ratios to native.
#
# Configurations per workload:
#   native         the program alone
#   none           seccheck run with a session enabling no point (spawn + ptrace of the tree only)
#   default        seccheck run with the built-in default session (text sink, to /dev/null)
#   all-null       every point of the catalog with every field, to the null sink
#   strace-bpf     strace -f --seccomp-bpf on the default session's syscalls
#   strace         strace -f on every syscall
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
out="$here/bench/out"
mkdir -p "$out"
command -v hyperfine >/dev/null || { echo "overhead.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

sc="$here/seccheck"
"$sc" --version >/dev/null # build once, outside the timings

# Hello.class, none.json (no point) and all-null.json (every point, every field, null sink).
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
none="$out/none.json"
all="$out/all-null.json"
# One enter-only point (served by the notifier: no filter injection) and one exit point (the
# tracer injects its filter at the first exec): their difference on /bin/true is the injection.
enter1="$out/openat-enter.json"
exit1="$out/openat-exit.json"
printf '{"name":"Default","points":[{"name":"syscall/openat/enter"}],"sinks":[{"name":"null"}]}\n' >"$enter1"
printf '{"name":"Default","points":[{"name":"syscall/openat/exit"}],"sinks":[{"name":"null"}]}\n' >"$exit1"

# The syscalls of the built-in default session, for strace's filter.
default_syscalls=$(bench_default_syscalls)

declare -A workloads=(
  [tar]="tar cf - /usr/include | cat >/dev/null"
  [shloop]="for i in \$(seq 200); do /bin/true; done"
  [python]="/usr/bin/python3 -c 'import json,email,http.client'"
  [find]="find /usr -name '*.h' >/dev/null"
)

for name in ${BENCH_WORKLOADS-tar shloop python find}; do
  w="${workloads[$name]}"
  q=$(printf '%q' "$w")
  hyperfine -N --runs "$runs" --warmup 1 --style basic --export-markdown "$out/$name.md" \
    -n native "sh -c $q" \
    -n none "$sc run --quiet --config $none -- sh -c $q" \
    -n default "$sc run --quiet -- sh -c $q" \
    -n all-null "$sc run --quiet --config $all -- sh -c $q" \
    -n strace-bpf "strace -f --seccomp-bpf -e trace=$default_syscalls -o /dev/null sh -c $q" \
    -n strace "strace -f -o /dev/null sh -c $q" \
    || echo "overhead.sh: $name: a command failed (hyperfine stopped this workload)" >&2
done

hyperfine -N --runs "$((runs * 2))" --warmup 1 --style basic --export-markdown "$out/true.md" \
  -n native /bin/true \
  -n "seccheck none" "$sc run --quiet --config $none -- /bin/true" \
  -n "seccheck default" "$sc run --quiet -- /bin/true" \
  -n "seccheck openat enter" "$sc run --quiet --config $enter1 -- /bin/true" \
  -n "seccheck openat exit" "$sc run --quiet --config $exit1 -- /bin/true" \
  -n "java hello" "$JAVA_HOME/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $out Hello" \
  -n strace "strace -f -o /dev/null /bin/true"
