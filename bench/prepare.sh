# Sourced by the whole-command benchmarks (overhead.sh, default-session.sh, perprocess.sh,
# emulation.sh, replay-opens.sh, names.sh, renames.sh, unix-sockets.sh), and those that start the
# launcher's JVM themselves (start-floor.sh, aot-training.sh): what they share.
# bench_prepare OUT SECCHECK  checks that strace is there, makes OUT, builds SECCHECK (and trains
# its AOT cache) outside the timings, finds the JDK (exports JAVA_HOME), compiles OUT/Hello.class (a Java
# hello-world: the floor of any Java tool on the same JDK) and writes the session files
# OUT/now (bench/now.c: prints the time at its main), OUT/none.json (no point) and OUT/all-null.json (every point of the catalog with every field, to
# the null sink), the latter from SECCHECK's own metadata.
bench_prepare() {
  local out="$1" sc="$2" here
  command -v strace >/dev/null || { echo "${0##*/}: strace is missing (apt-get install strace)" >&2; exit 1; }
  mkdir -p "$out"
  "$sc" --version >/dev/null
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  . "$here/scripts/jdk.sh"
  seccheck_require_jdk
  printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$out/Hello.java"
  "$JAVA_HOME/bin/javac" -d "$out" "$out/Hello.java"
  cc -O2 -o "$out/now" "$here/bench/now.c"
  printf '{"name":"Default","points":[],"sinks":[{"name":"null"}]}\n' >"$out/none.json"
  "$sc" metadata --json | /usr/bin/python3 -c '
import json, sys
meta = json.load(sys.stdin)
points = [{"name": p["name"], "optional_fields": p["optional_fields"], "context_fields": p["context_fields"]}
          for p in meta["points"]]
json.dump({"name": "Default", "points": points, "sinks": [{"name": "null"}]}, sys.stdout)
' >"$out/all-null.json"
}

# bench_deny_policy FILE  writes the README's example policy (opens of /etc/shadow* and network
# beyond loopback, by every family but AF_UNIX and AF_NETLINK, denied, both ways) as one session:
# the policy under which opens, connects and accepts are performed by seccheck (bench/emulation.sh,
# bench/replay-opens.sh, bench/accepts.sh).
bench_deny_policy() {
  cat >"$1" <<'JSON'
{"name":"guard","points":[{"name":"syscall/openat/enter"},{"name":"syscall/connect/enter"},
   {"name":"syscall/accept/enter"},{"name":"syscall/accept4/enter"}],
 "sinks":[{"name":"policy","config":{"rules":[
   {"point":"syscall/openat/enter","match":{"pathname":{"glob":"/etc/shadow*"}},"action":"deny","errno":"EACCES"},
   {"point":"syscall/connect/enter","match":{"family":["AF_INET","AF_INET6"],"ip":["127.0.0.0/8","::1/128"]},"action":"allow"},
   {"point":"syscall/connect/enter","match":{"family":{"not":["AF_UNIX","AF_NETLINK"]}},"action":"deny","errno":"ENETUNREACH"},
   {"effect":"accept_network","match":{"family":["AF_INET","AF_INET6"],"ip":["127.0.0.0/8","::1/128"]},"action":"allow"},
   {"effect":"accept_network","match":{"family":{"not":["AF_UNIX"]}},"action":"deny","errno":"ECONNABORTED"}]}}]}
JSON
}

# bench_default_syscalls  prints the syscalls the built-in default session has points on, comma
# separated, read from the session itself: strace's filter for the same work (bench/overhead.sh,
# bench/default-session.sh).
bench_default_syscalls() {
  /usr/bin/python3 -c 'import json, sys
points = json.load(open(sys.argv[1]))["points"]
print(",".join(sorted({p["name"].split("/")[1] for p in points if p["name"].startswith("syscall/")})))' \
    "$(dirname "${BASH_SOURCE[0]}")/../seccheck-sentry/src/main/resources/dev/seccheck/sentry/default-session.json"
}

# bench_whole_commands TITLE ROUNDS SETUP NAMES CMDS  runs the commands of the array CMDS (labelled
# by the array NAMES, the first the baseline) ROUNDS times, alternated, with SETUP (a command, `:`
# for none) before each run; prints a table of their median wall times in ms (bench/names.sh,
# bench/renames.sh).
bench_whole_commands() {
  local title="$1" rounds="$2" setup="$3" r i t0 t1
  local -n labels="$4" commands="$5"
  for ((r = 0; r < rounds; r++)); do
    for i in "${!commands[@]}"; do
      $setup
      t0=$(date +%s%N); bash -c "${commands[$i]}" >/dev/null 2>&1; t1=$(date +%s%N)
      echo "${labels[$i]}	$(((t1 - t0) / 1000000))"
    done
  done | TITLE="$title" /usr/bin/python3 -c '
import os, sys, statistics, collections
d = collections.OrderedDict()
for line in sys.stdin:
    k, v = line.rstrip("\n").split("\t")
    d.setdefault(k, []).append(int(v))
base = statistics.median(next(iter(d.values())))
print()
print("| " + os.environ["TITLE"] + " | median (ms) | vs native | rounds |")
print("|:--|--:|--:|:--|")
for k, v in d.items():
    m = statistics.median(v)
    print(f"| {k} | {m:.0f} | {m / base:.1f}x | {v} |")
'
}

# bench_call_medians ROUNDS NAMES CMDS  runs the commands of the array CMDS (labelled by the array
# NAMES) ROUNDS times, alternated; each prints one line of CALL=MICROSECONDS pairs (a latency
# program's p50s) as its last line. Prints a table of the medians over the rounds for each call
# (bench/names.sh, bench/unix-sockets.sh).
bench_call_medians() {
  local rounds="$1" r i
  local -n labels="$2" commands="$3"
  for ((r = 0; r < rounds; r++)); do
    for i in "${!commands[@]}"; do
      echo "${labels[$i]}	$(bash -c "${commands[$i]}" 2>/dev/null | tail -1)"
    done
  done | /usr/bin/python3 -c '
import sys, statistics, collections
d = collections.OrderedDict()
for line in sys.stdin:
    k, v = line.rstrip("\n").split("\t")
    for kv in v.split():
        call, us = kv.split("=")
        d.setdefault(k, collections.OrderedDict()).setdefault(call, []).append(int(us))
calls = list(next(iter(d.values())).keys())
print("| p50 (us) | " + " | ".join(calls) + " |")
print("|:--|" + "--:|" * len(calls))
for k, v in d.items():
    print(f"| {k} | " + " | ".join(f"{statistics.median(v[c]):.0f}" for c in calls) + " |")
'
}

# bench_old_deny NAMES CMDS COMMAND  with BENCH_OLD set (a snapshot of another build, bench/snapshot.sh),
# adds to the arrays NAMES and CMDS that build running COMMAND under the deny policy in
# $out/deny.json (bench_deny_policy); without it, nothing.
bench_old_deny() {
  [ -n "${BENCH_OLD:-}" ] || return 0
  local -n labels="$1" commands="$2"
  labels+=("old seccheck deny policy")
  commands+=("$BENCH_OLD/seccheck run --quiet --config $out/deny.json -- $3")
}

# bench_deny_latency ROUNDS TRACED PROG  runs the latency program PROG (a command line whose last
# line is CALL=MICROSECONDS pairs) natively, under strace -f --seccomp-bpf tracing the syscalls
# TRACED (comma-separated), under the deny policy in $out/deny.json (bench_deny_policy) with
# $sc, and with BENCH_OLD under that build's too; prints bench_call_medians' table of ROUNDS
# alternated rounds (bench/unix-sockets.sh, bench/messages.sh).
bench_deny_latency() {
  local rounds="$1" traced="$2" prog="$3"
  local -a names=(native "strace -f --seccomp-bpf" "seccheck deny policy")
  local -a cmds=("$prog" "strace -f --seccomp-bpf -e trace=$traced -o /dev/null $prog"
    "$sc run --quiet --config $out/deny.json -- $prog")
  bench_old_deny names cmds "$prog"
  bench_call_medians "$rounds" names cmds
}

# bench_launcher_jvm HERE  finds the JDK (exports JAVA_HOME) and sets, for the build in checkout
# HERE, what the launcher starts its JVM with: the array jvm (scripts/jvm.sh's flags), cp (the
# class path) and the arrays natives and abis (the binding module's and the ABI module's jars, the
# module path). For benchmarks that start the JVM themselves (start-floor.sh, aot-training.sh).
bench_launcher_jvm() {
  local cli="$1/seccheck-cli/target" j jars
  . "$1/scripts/jdk.sh"
  seccheck_require_jdk
  . "$1/scripts/jvm.sh"
  natives=("$cli"/lib/seccheck-native-*.jar) abis=("$cli"/lib/seccheck-abi-*.jar) jars=("$cli"/seccheck-cli-*.jar)
  seccheck_jvm_flags "${natives[0]}:${abis[0]}"
  cp="${jars[0]}"
  for j in "$cli"/lib/*.jar; do
    case "$j" in */seccheck-native-*.jar | */seccheck-abi-*.jar) ;; *) cp+=":$j" ;; esac
  done
}
