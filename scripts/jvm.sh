# Sourced by the launcher (and by LauncherTest, which proves the guarantee below): the JVM flags of
# every seccheck command.
# seccheck_jvm_flags MODULE_PATH  sets the array jvm; MODULE_PATH holds seccheck-native (module
# dev.seccheck.linux) and seccheck-abi (dev.seccheck.abi), every other jar goes on the class path.
seccheck_jvm_flags() {
  # Native access is granted to the binding module alone (--enable-native-access=dev.seccheck.linux).
  # Nothing else the launcher loads can call native code: no jar on the class path declares a native
  # method or calls a restricted method (the JNI compression libraries of the Kafka client are left
  # out of the build), which LauncherTest proves with the JDK's jnativescan over the very jars the
  # launcher uses; a restricted call from the class path would still make the JDK print a warning.
  # Not --illegal-native-access=deny: JDK 25 cannot archive its module graph with that property set,
  # and without the archived graph no lambda, invoke form or module resolution comes from the AOT
  # cache: a third of every start's CPU (BENCHMARKS.md, "Start-up, session 8"). What deny adds over
  # the scan is the refusal of a restricted call made by reflection, which the scan cannot see, from
  # code that --sun-misc-unsafe-memory-access=allow (protobuf's fast paths) already trusts with raw
  # memory; such a call still shows, as the JDK's warning on stderr.
  # No attach listener: a supervised program of the same user could otherwise load an agent into
  # this JVM through the HotSpot attach API (jcmd, JVMTI.agent_load).
  # No perf data: nothing reads this JVM's counters (jstat needs the attach listener too), and the
  # file they live in, /tmp/hsperfdata_<user>/<pid>, costs a create, an mmap and an unlink per run.
  # The JVM's own warnings go to stderr, not to its default stdout: seccheck's stdout is the
  # program's (`seccheck run -- prog > out` must hold the program's output alone). Not its warnings
  # about a thread it could not start (os+thread): a program that uses up its user's tasks made it
  # print two per call seccheck could not hand a thread (about 280 lines in a run), where
  # seccheck's own line already says which call was refused and why (ThreadLimitTest).
  # C1 only and the serial collector: measured for start-up and short supervised commands
  # (BENCHMARKS.md, "The launcher's JIT"). seccheck's own methods are compiled after a twentieth
  # of the usual calls: a short run otherwise spends its first second tracing in the interpreter
  # (the tracer's stop handling was compiled 0.5-1.8 s into a run of 1,000 processes); the JDK's
  # and the libraries' methods, most of them start-up code run a few times, keep the usual
  # thresholds (BENCHMARKS.md, "Session 10").
  jvm=(--module-path "$1" --add-modules dev.seccheck.linux --enable-native-access=dev.seccheck.linux
    --sun-misc-unsafe-memory-access=allow -XX:+DisableAttachMechanism -XX:-UsePerfData
    -Xlog:disable -Xlog:all=warning,os+thread=off:stderr
    -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m
    -XX:CompileCommand=quiet '-XX:CompileCommand=CompileThresholdScaling,dev.seccheck.*::*,0.05')
}
