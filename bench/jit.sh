#!/usr/bin/env bash
# The launcher's JIT setting, decided by measurement: `seccheck run` with C1 only
# (-XX:TieredStopAtLevel=1) against full tiered compilation (C1 then C2), beside the bare program.
#
# Usage: bench/jit.sh [RUNS]      (default 5 rounds; needs gcc and tar)
#        BENCH_WORKLOADS="tar gcc" bench/jit.sh   (a subset; "" for the /bin/true block only)
#
# The machine is shared and noisy, so the configurations are interleaved run by run (one round
# runs every configuration of every workload once) rather than one after the other: a burst of
# someone else's load then hits all of them alike. Medians of wall time, ratios to native.
# Each setting runs through its own copy of the launcher (in a scratch directory, pointing at this
# checkout's build) with its own ahead-of-time cache, trained with that setting's flags, as a user
# would get it. Writes the table (markdown) to bench/out/jit.md and prints it.
#
# Configurations per workload:
#   native    the program alone
#   c1        ./seccheck run --quiet -- ... with -XX:TieredStopAtLevel=1
#   tiered    the same with the JVM's default tiered compilation
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
out="$here/bench/out"
mkdir -p "$out"
for tool in gcc tar; do
  command -v "$tool" >/dev/null || { echo "jit.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

"$here/seccheck" --version >/dev/null # build once, outside the timings

scratch=$(mktemp -d /tmp/seccheck-jit.XXXXXX)
trap 'rm -rf "$scratch" /dev/shm/seccheck-jit.$$' EXIT

# Two launchers that differ only in the JIT flag. Each has a copy of this checkout's built jars
# (so a rebuild during the run changes nothing) and no sources, so it never rebuilds, but it
# trains its own AOT cache.
for variant in c1 tiered; do
  d="$scratch/$variant"
  mkdir -p "$d/.seccheck-build"
  ln -s "$here/scripts" "$d/scripts"
  mkdir -p "$d/seccheck-cli/target"
  cp -r "$here"/seccheck-cli/target/seccheck-cli-*.jar "$here/seccheck-cli/target/lib" "$d/seccheck-cli/target/"
  touch "$d/.seccheck-build/stamp"
  # The launcher's JVM flags (the jvm=(...) array) name -XX:+UseSerialGC once: the JIT flag goes
  # beside it. Checked, so a reworded launcher fails here rather than measuring the wrong thing.
  sed -e 's/ -XX:TieredStopAtLevel=[0-9]//' "$here/seccheck" >"$d/seccheck"
  if [ "$variant" = c1 ]; then
    sed -i -e 's/-XX:+UseSerialGC/-XX:+UseSerialGC -XX:TieredStopAtLevel=1/' "$d/seccheck"
    [ "$(grep -c 'TieredStopAtLevel=1' "$d/seccheck")" = 1 ] || { echo "jit.sh: could not set C1 in the launcher copy" >&2; exit 1; }
  else
    ! grep -q 'TieredStopAtLevel' "$d/seccheck" || { echo "jit.sh: could not unset C1 in the launcher copy" >&2; exit 1; }
  fi
  chmod +x "$d/seccheck"
  "$d/seccheck" run --quiet -- /bin/true >/dev/null 2>&1 # trains the AOT cache, outside the timings
  [ -f "$d/.seccheck-build/app.aot" ] || echo "jit.sh: $variant: no AOT cache was trained" >&2
done

# Workload inputs: an archive of /usr/include and /usr/lib/gcc (about 250 MiB) unpacked into tmpfs,
# a file for find's -newer, a hello world for gcc.
shm="/dev/shm/seccheck-jit.$$"
mkdir -p "$shm"
tar -cf "$scratch/usr.tar" /usr/include /usr/lib/gcc 2>/dev/null
touch "$scratch/newer"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$scratch/hello.c"

declare -A workloads=(
  [tar]="mkdir $shm/x && tar -xf $scratch/usr.tar -C $shm/x"
  [find]="find /usr -newer $scratch/newer"
  [gcc]="for i in 1 2 3 4 5 6 7 8 9 10; do gcc -O2 -o $scratch/hello $scratch/hello.c; done"
)
configs=(native c1 tiered)

# Runs one configuration of one workload once; prints the wall time in seconds. Start-up runs
# /bin/true directly; the other workloads are shell command lines.
run_once() {
  local config="$1" name="$2" start end cmd
  if [ "$name" = true ]; then cmd=(/bin/true); else cmd=(sh -c "${workloads[$name]}"); fi
  [ "$config" = native ] || cmd=("$scratch/$config/seccheck" run --quiet -- "${cmd[@]}")
  rm -rf "$shm/x" # outside the timing: only tar's unpacking is measured
  start=$EPOCHREALTIME
  "${cmd[@]}" >/dev/null 2>&1 || { echo "jit.sh: $config: failed: ${cmd[*]}" >&2; exit 1; }
  end=$EPOCHREALTIME
  echo "$start $end" | awk '{ printf "%.4f\n", $2 - $1 }'
}

samples="$scratch/samples.tsv"
: >"$samples"
names=(${BENCH_WORKLOADS-tar find gcc} true)
for name in "${names[@]}"; do
  # The start-up block is cheap: twice the rounds. One warm-up round each, not recorded.
  n=$rounds; [ "$name" = true ] && n=$((rounds * 2))
  for config in "${configs[@]}"; do run_once "$config" "$name" >/dev/null; done
  for ((r = 1; r <= n; r++)); do
    for config in "${configs[@]}"; do
      t=$(run_once "$config" "$name")
      printf '%s\t%s\t%s\n' "$name" "$config" "$t" >>"$samples"
    done
  done
done

/usr/bin/python3 - "$samples" "$rounds" >"$out/jit.md" <<'EOF'
import statistics, sys
from collections import defaultdict
times = defaultdict(list)
for line in open(sys.argv[1]):
    name, config, t = line.split("\t")
    times[(name, config)].append(float(t))
names = list(dict.fromkeys(n for n, _ in times))
print("| workload (runs) | native | C1 only | tiered | C1 / native | tiered / native | tiered / C1 |")
print("|---|---|---|---|---|---|---|")
for n in names:
    m = {c: statistics.median(times[(n, c)]) for c in ("native", "c1", "tiered")}
    unit, scale = ("ms", 1000) if n == "true" else ("s", 1)
    cell = lambda c: f"{m[c] * scale:.{0 if unit == 'ms' else 2}f} {unit}"
    print(f"| {n} ({len(times[(n, 'c1')])}) | {cell('native')} | {cell('c1')} | {cell('tiered')} | "
          f"{m['c1'] / m['native']:.2f}× | {m['tiered'] / m['native']:.2f}× | {m['tiered'] / m['c1']:.2f}× |")
EOF
cat "$out/jit.md"
