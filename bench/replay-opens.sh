#!/usr/bin/env bash
# Replays the opens a command makes, to see what they cost cold and warm under seccheck: records
# the command's openat calls relative to the cwd (strace), writes a C program that makes the same
# calls (path and flags; read-only opens only, so the replay changes no file) ROUNDS times and prints the mean per open of each round, and runs it
# natively, under strace --seccomp-bpf and under seccheck with the deny policy of
# bench/emulation.sh. The first rounds of a fresh seccheck pay the JIT's warm-up (BENCHMARKS.md,
# "Short runs are dominated by the JIT's warm-up").
#
# Usage: bench/replay-opens.sh ROUNDS COMMAND...
#   e.g. bench/replay-opens.sh 12 /usr/bin/python3 -c 'import json,email,http.client'
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:?usage: bench/replay-opens.sh ROUNDS COMMAND...}"
shift
out="$here/bench/out"
mkdir -p "$out"
sc="$here/seccheck"
strace -f -e trace=openat -o "$out/replay-opens.strace" "$@" >/dev/null
python3 - "$out/replay-opens.strace" "$out/replay-opens.c" <<'PY'
import re, sys
calls = []
for line in open(sys.argv[1]):
    m = re.search(r'openat\(AT_FDCWD, "((?:[^"\\]|\\.)*)", ([A-Z_|]+)', line)
    # Only opens that write nothing: a replayed O_CREAT, O_TRUNC or open for writing would change
    # the command's files (and an O_CREAT needs a mode strace's line gives, this replay does not).
    writes = {'O_CREAT', 'O_TRUNC', 'O_WRONLY', 'O_RDWR', 'O_APPEND', 'O_TMPFILE'}
    if m and '\\' not in m.group(1) and not writes & set(m.group(2).split('|')):
        calls.append((m.group(1), m.group(2)))
with open(sys.argv[2], 'w') as f:
    f.write('#define _GNU_SOURCE\n#include <fcntl.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\n#include <unistd.h>\n')
    f.write('static long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }\n')
    f.write('static const struct { const char *path; int flags; } calls[] = {\n')
    for p, fl in calls:
        f.write('    {"%s", %s},\n' % (p, fl))
    f.write('};\n')
    f.write('int main(int argc, char **argv) {\n'
            '    int rounds = atoi(argv[1]), n = sizeof calls / sizeof *calls;\n'
            '    for (int r = 0; r < rounds; r++) {\n'
            '        long t = 0;\n'
            '        for (int i = 0; i < n; i++) {\n'
            '            long a = now(); int fd = open(calls[i].path, calls[i].flags); t += now() - a;\n'
            '            if (fd >= 0) close(fd);\n'
            '        }\n'
            '        printf("%s%ld", r ? " " : "", t / n / 1000);\n'
            '    }\n'
            '    printf(" us per open, each round of %d\\n", n);\n'
            '    return 0;\n'
            '}\n')
print(f'{len(calls)} read-only opens recorded', file=sys.stderr)
PY
gcc -O2 -o "$out/replay-opens" "$out/replay-opens.c"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
deny="$out/deny.json"
bench_deny_policy "$deny"
echo "native:       $("$out/replay-opens" "$rounds")"
echo "strace-bpf:   $(strace -f --seccomp-bpf -e trace=openat -o /dev/null "$out/replay-opens" "$rounds")"
echo "seccheck deny: $("$sc" run --quiet --config "$deny" -- "$out/replay-opens" "$rounds")"
