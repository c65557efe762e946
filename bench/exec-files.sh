#!/usr/bin/env bash
# What deciding on the files an exec ran costs a short process (session 35: the binary and its ELF
# interpreter looked at, named from seccheck's root, and for a rule on opening files decided as
# read): /bin/true (dynamically linked), forked, executed and waited for by bench/spawn-loop.c,
# N times, the first fifth left out, natively and under seccheck with
#   exec   a rule on sentry/execve's binary_path (kill a binary that never runs)
#   open   the README's guard policy (bench_deny_policy: opens of /etc/shadow* denied)
# each under this checkout's launcher and, with BENCH_OLD=DIR (bench/snapshot.sh), another build's,
# alternated in each round. Prints the median of the rounds' p50s per configuration.
#
# Usage: [BENCH_OLD=DIR] bench/exec-files.sh [N] [ROUNDS]   (default 1000, 5)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
rounds="${2:-5}"
out="$here/bench/out"
sc="$here/seccheck"
old="${BENCH_OLD:-}"
. "$here/bench/prepare.sh"
bench_prepare "$out" "$sc"
cc -O2 -o "$out/spawn-loop" "$here/bench/spawn-loop.c"
bench_deny_policy "$out/exec-files-open.json"
cat >"$out/exec-files-exec.json" <<'JSON'
{"name":"noexec","points":[{"name":"sentry/execve"}],
 "sinks":[{"name":"policy","config":{"rules":[
   {"effect":"execute_file","match":{"binary_path":"/nonexistent/denied-tool"},"action":"kill"}]}}]}
JSON
builds=("new=$sc")
if [ -n "$old" ]; then
  [ -x "$old/seccheck" ] || { echo "exec-files.sh: BENCH_OLD=$old has no seccheck launcher" >&2; exit 1; }
  builds+=("old=$old/seccheck")
fi
tsv="$out/exec-files.tsv"
: >"$tsv"
p50() { sed -n 's/.*p50 \([0-9]*\) .*/\1/p' | tail -1; }
for ((r = 1; r <= rounds; r++)); do
  echo -e "$r\tnative\t$("$out/spawn-loop" "$n" /bin/true 2>&1 | p50)" >>"$tsv"
  for policy in exec open; do
    for b in "${builds[@]}"; do
      name="${b%%=*}" launcher="${b#*=}"
      v=$("$launcher" run --quiet --config "$out/exec-files-$policy.json" -- "$out/spawn-loop" "$n" /bin/true 2>&1 | p50)
      echo -e "$r\t$name $policy\t$v" >>"$tsv"
    done
  done
done
/usr/bin/python3 - "$tsv" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    _, conf, v = line.rstrip("\n").split("\t")
    if v:
        rows.setdefault(conf, []).append(int(v))
print("| configuration | rounds | median p50 (us) | rounds' p50s |")
print("|---|---:|---:|---|")
for conf, vs in rows.items():
    print(f"| {conf} | {len(vs)} | {statistics.median(vs):.0f} | {', '.join(map(str, vs))} |")
PY
