# Sourced by the launcher (and by LauncherTest, which proves the guarantee below): the JVM flags of
# every seccheck command.
# seccheck_jvm_flags MODULE_PATH  sets the array jvm; MODULE_PATH holds seccheck-native (module
# dev.seccheck.linux) and seccheck-abi (dev.seccheck.abi), every other jar goes on the class path.
seccheck_jvm_flags() {
  # Native access is granted to the binding module alone, and --illegal-native-access=deny stops
  # every other jar (Jackson, protobuf, picocli, kafka's compression libraries, our own) from
  # calling native code: a restricted method (a downcall, System.loadLibrary...) called from the
  # class path throws IllegalCallerException. The price: JDK 25 counts the deny property as one
  # its archived module graph cannot honour ("full module graph: disabled" in -Xlog:aot), and AOT
  # class linking needs that graph, so the lambdas and invoke forms (~710 hidden classes in `run`) are
  # spun at every start instead of coming linked from the AOT cache: about 0.18 s of CPU per start,
  # kept for the refusal (BENCHMARKS.md, "Start-up, session 7"). The binding classes share one
  # downcall shape where they can and are linked on a second thread (LinkAhead) to soften it.
  # No attach listener: a supervised program of the same user could otherwise load an agent into
  # this JVM through the HotSpot attach API (jcmd, JVMTI.agent_load).
  # No perf data: nothing reads this JVM's counters (jstat needs the attach listener too), and the
  # file they live in, /tmp/hsperfdata_<user>/<pid>, costs a create, an mmap and an unlink per run.
  # C1 only and the serial collector: measured for start-up and short supervised commands
  # (BENCHMARKS.md, "The launcher's JIT").
  jvm=(--module-path "$1" --add-modules dev.seccheck.linux --enable-native-access=dev.seccheck.linux
    --illegal-native-access=deny --sun-misc-unsafe-memory-access=allow -XX:+DisableAttachMechanism -XX:-UsePerfData
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m)
}
