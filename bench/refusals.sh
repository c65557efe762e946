#!/usr/bin/env bash
# Cost of the calls seccheck refuses for its own protection (issue 9), side by side with the
# program alone and strace: a C loop making N of one call, under each configuration.
#
# Usage: bench/refusals.sh [RUNS] [N]   (default 5 runs, N = 2000 calls; needs hyperfine, strace, gcc)
#
# Loops (bench/out/refusals):
#   getppid   a call the guard lets through (the floor: filter + loop)
#   kill0     kill(0, 0): while the program shares seccheck's process group the filter holds it
#             for seccheck, which refuses it (EPERM); natively it succeeds
#   ptrace    ptrace(PTRACE_ATTACH, 1): held for seccheck, which fires ptrace's points and
#             refuses it (EPERM); natively EPERM from the kernel
# Configurations: native, seccheck with no point, seccheck with the default session (text sink
# to /dev/null: a refusal's points are formatted), strace -f.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
n="${2:-2000}"
out="$here/bench/out"
mkdir -p "$out/refusals"
command -v hyperfine >/dev/null || { echo "refusals.sh: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
sc="$here/seccheck"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
none="$out/none.json"

cat >"$out/refusals/loop.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = atol(argv[2]);
    for (long i = 0; i < n; i++) {
        if (strcmp(argv[1], "getppid") == 0) getppid();
        else if (strcmp(argv[1], "kill0") == 0) kill(0, 0);
        else ptrace(PTRACE_ATTACH, 1, 0, 0);
    }
    return 0;
}
C
gcc -O2 -o "$out/refusals/loop" "$out/refusals/loop.c"
loop="$out/refusals/loop"

for call in getppid kill0 ptrace; do
  hyperfine -N -i --runs "$runs" --warmup 1 --style basic --export-markdown "$out/refusals/$call.md" \
    -n native "$loop $call $n" \
    -n "seccheck none" "$sc run --quiet --config $none -- $loop $call $n" \
    -n "seccheck default" "$sc run --quiet -- $loop $call $n" \
    -n strace "strace -f -o /dev/null $loop $call $n"
done
for call in getppid kill0 ptrace; do echo "## $call ($n calls)"; cat "$out/refusals/$call.md"; done
