#!/usr/bin/env bash
# What guarding seccheck's own files costs (OwnFiles: while the program's user could write the
# jars, JDK or AOT cache seccheck runs from, seccheck performs every open that could write and
# every truncate itself). Run as root: the workloads run as uid 65534 under two copies of this
# build made with bench/snapshot.sh, one owned by 65534 (guarded: its files are within the
# program's reach) and one owned by root (not guarded), with the same session; natively too.
# The configurations alternate within each round (bench/rounds.sh).
#
# Usage: bench/own-files.sh [RUNS]   (default 5; prints the median wall time of each, in ms)
#   BENCH_SESSION=FILE   the session (default: one with no point, so that only the guard differs;
#                        a session with an open point emulates every open anyway)
#   BENCH_WORKLOADS="tar-x gcc-10"   runs only those (default: true writes tar-x gcc-10 find; "true"
#                        is start-up, where every unprivileged run now looks for its own files)
#   BENCH_OLD=DIR        adds "old": another build's launcher copied aside with bench/snapshot.sh
#                        (readable by uid 65534), owned by root, so that old against unguarded is
#                        what looking for the files costs
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
[ "$(id -u)" = 0 ] || { echo "own-files.sh: run as root (it runs the workloads as uid 65534)" >&2; exit 1; }
command -v setpriv >/dev/null || { echo "own-files.sh: needs setpriv (util-linux)" >&2; exit 1; }
work="$(mktemp -d /tmp/seccheck-own-XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
"$here/bench/snapshot.sh" "$work/guarded" >/dev/null
"$here/bench/snapshot.sh" "$work/unguarded" >/dev/null
chown -R 65534:65534 "$work/guarded"
mkdir "$work/run" && chown 65534:65534 "$work/run"
session="${BENCH_SESSION:-$work/none.json}"
printf '{"name":"none","points":[],"sinks":[{"name":"null"}]}\n' >"$work/none.json"
chmod 644 "$work/none.json"
tar cf "$work/include.tar" -C /usr include 2>/dev/null
printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' >"$work/hello.c"
cat >"$work/writes.py" <<'PY'
import os, sys
for i in range(2000):
    fd = os.open(os.path.join(sys.argv[1], "f%d" % (i % 50)), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b"x")
    os.close(fd)
PY
chmod 644 "$work/include.tar" "$work/hello.c" "$work/writes.py"
r="$work/run"
declare -A workloads=(
  [true]="/bin/true"
  [writes]="rm -rf $r/w && mkdir $r/w && /usr/bin/python3 $work/writes.py $r/w"
  [tar-x]="rm -rf $r/x && mkdir $r/x && tar xf $work/include.tar -C $r/x"
  [gcc-10]="for i in 1 2 3 4 5 6 7 8 9 10; do gcc -o $r/hello $work/hello.c; done"
  [find]="find /usr -name '*.h' >/dev/null"
)
configs=(native guarded unguarded)
old="${BENCH_OLD:-}"
if [ -n "$old" ]; then
  [ -x "$old/seccheck" ] || { echo "own-files.sh: BENCH_OLD=$old has no seccheck launcher" >&2; exit 1; }
  configs=(native old guarded unguarded)
fi
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
run() { # config workload
  case "$1" in
    native) as_nobody sh -c "$2" ;;
    guarded) as_nobody "$work/guarded/seccheck" run --quiet --root "$r/rt" --config "$session" -- sh -c "$2" ;;
    unguarded) as_nobody "$work/unguarded/seccheck" run --quiet --root "$r/rt" --config "$session" -- sh -c "$2" ;;
    old) as_nobody "$old/seccheck" run --quiet --root "$r/rt" --config "$session" -- sh -c "$2" ;;
  esac
}
# The guard must be on in one and off in the other, or the comparison means nothing.
jars=("$work"/guarded/seccheck-cli/target/lib/*.jar)
probe="import os; os.open('${jars[0]}', os.O_RDWR)"
said="$(as_nobody "$work/guarded/seccheck" run --root "$r/rt" --config "$session" -- /usr/bin/python3 -c "$probe" 2>&1 || true)"
case "$said" in *"which seccheck runs from"*) ;; *) echo "own-files.sh: the guarded copy is not guarded" >&2; exit 1 ;; esac
said="$(as_nobody "$work/unguarded/seccheck" run --root "$r/rt" --config "$session" -- /usr/bin/python3 -c "$probe" 2>&1 || true)"
case "$said" in *"which seccheck runs from"*) echo "own-files.sh: the unguarded copy is guarded" >&2; exit 1 ;; esac

# shellcheck source=bench/rounds.sh
. "$here/bench/rounds.sh"
bench_rounds "$runs" ${BENCH_WORKLOADS:-true writes tar-x gcc-10 find}
