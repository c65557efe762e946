#!/usr/bin/env bash
# Start-up's floor (issue 13 goal 2), alternated run by run, CPU and wall medians:
#   hello     a Java hello-world on the same JDK with the launcher's GC and JIT flags;
#   ffm       a Java program whose one act is an FFM downcall (getpid), with an AOT cache of its own
#             trained here: what the JDK itself costs a start that calls native code;
#   floor     bench/StartFloor.java: the JVM with all of the launcher's flags, module path and AOT
#             cache, and the first native call, then exit;
#   seccheck  ./seccheck run --quiet -- /bin/true.
# Usage: bench/start-floor.sh [ROUNDS]     (default 21)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-21}"
"$here/seccheck" run --quiet -- /bin/true >/dev/null 2>&1 # built, AOT cache trained
. "$here/bench/prepare.sh"
bench_launcher_jvm "$here"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$out/Hello.java"
cat >"$out/Ffm.java" <<'JAVA'
import java.lang.foreign.*;
public class Ffm {
  public static void main(String[] a) throws Throwable {
    Linker l = Linker.nativeLinker();
    var getpid = l.downcallHandle(l.defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    int pid = (int) getpid.invokeExact();
  }
}
JAVA
"$JAVA_HOME/bin/javac" -d "$out" "$out/Hello.java" "$out/Ffm.java"
"$JAVA_HOME/bin/jar" cf "$out/ffm.jar" -C "$out" Ffm.class # an AOT cache takes jars, not directories
ffm=("$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED -Xlog:aot=off
  -Xlog:cds=off -cp "$out/ffm.jar")
"${ffm[@]}" "-XX:AOTCacheOutput=$out/ffm.aot" Ffm >/dev/null 2>&1
ffm+=("-XX:AOTCache=$out/ffm.aot" Ffm)
"$JAVA_HOME/bin/javac" -d "$out" --module-path "${natives[0]}:${abis[0]}" --add-modules dev.seccheck.linux,dev.seccheck.abi \
  "$here/bench/StartFloor.java"
# The run's cache serves the floor too: its class path is the run's with the probe appended.
floor=("$JAVA_HOME/bin/java" "${jvm[@]}" "-XX:AOTCache=$here/.seccheck-build/app.aot" -Xlog:aot=off:stderr
  -Xlog:cds=off:stderr -cp "$cp:$out" StartFloor)
hello=("$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$out" Hello)
run=("$here/seccheck" run --quiet -- /bin/true)
"${floor[@]}" || { echo "start-floor.sh: the floor probe failed" >&2; exit 1; }
# Each command goes to the timer as its name, its words and a lone ";;".
/usr/bin/python3 - "$rounds" "java hello" "${hello[@]}" ";;" "java, one FFM downcall, own AOT cache" "${ffm[@]}" ";;" \
  "floor (launcher's JVM + first native call)" "${floor[@]}" ";;" "seccheck run -- /bin/true" "${run[@]}" ";;" <<'PY'
import resource, statistics, subprocess, sys, time
n, cmds, words = int(sys.argv[1]), {}, []
for w in sys.argv[2:]:
    if w == ";;":
        cmds[words[0]] = words[1:]
        words = []
    else:
        words.append(w)
names = list(cmds)
cpu = {k: [] for k in names}
wall = {k: [] for k in names}
for i in range(n):
    for k in (names if i % 2 == 0 else names[::-1]):
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        subprocess.run(cmds[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1, r1 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[k].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        wall[k].append((t1 - t0) * 1000)
base, basec = statistics.median(wall[names[0]]), statistics.median(cpu[names[0]])
print("| | wall median (p25-p75) | vs hello | CPU median (p25-p75) | vs hello |")
print("|:--|--:|--:|--:|--:|")
for k in names:
    w, c = sorted(wall[k]), sorted(cpu[k])
    print(f"| {k} | {statistics.median(w):.0f} ms ({w[n // 4]:.0f}-{w[3 * n // 4]:.0f}) | {statistics.median(w) / base:.1f}x "
          f"| {statistics.median(c):.0f} ms ({c[n // 4]:.0f}-{c[3 * n // 4]:.0f}) | {statistics.median(c) / basec:.1f}x |")
PY
