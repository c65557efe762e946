package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.CallerWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to {@code seccheck run} reach the program (USR1, USR2, WINCH, CONT, HUP, QUIT), stop
 * signals stop the program and then seccheck as a job until CONT, and TERM ends
 * a run whose program exited but left a daemon that ignores TERM: the daemon is killed after the
 * grace period and the exit status is 128+15. Every other signal the JVM does not need for itself
 * (ALRM, VTALRM, PROF, XCPU, PWR, SYS, IO, STKFLT, ABRT, TRAP, the real-time ones) reaches the
 * program as well, as root and as uid 65534: it killed the JVM before.
 */
class RunSignalsTest {

    @TempDir
    Path tmp;

    /** Every seccheck started, killed after each test whatever happened. */
    private final List<Process> started = new java.util.ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : started) {
            ProcessResult.end(p, 0);
        }
    }

    @Test
    void forwardableSignalsReachTheProgram() throws Exception {
        Path got = tmp.resolve("got");
        List<String> forwarded = List.of("USR1", "WINCH", "CONT", "HUP", "QUIT");
        Process run = start(TestPrograms.traps(got, forwarded)
                + "trap 'exit 7' TERM; touch " + tmp.resolve("ready") + "; while :; do sleep 0.05; done");
        awaitFile(run, tmp.resolve("ready"));
        for (String sig : forwarded) {
            new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(got) && Files.readString(got).contains(sig))) {
                assertThat(run.isAlive()).as("seccheck alive after %s: %s", sig, out()).isTrue();
                assertThat(System.nanoTime() - deadline).as("%s reached the program within 20 s", sig).isNegative();
                Thread.sleep(20);
            }
        }
        terminate(run);
        assertThat(run.exitValue()).as("the program's TERM trap decides; output %s", out()).isEqualTo(7);
    }

    @Test
    void quitKillsTheProgramNotTheJvmAndTheRunExits131() throws Exception {
        // No core file: the default action of QUIT dumps one where the limit allows.
        Process run = start("ulimit -c 0; touch " + tmp.resolve("ready") + "; exec sleep 60");
        awaitFile(run, tmp.resolve("ready"));
        new ProcessBuilder("kill", "-QUIT", Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("the run ended after QUIT: %s", out()).isTrue();
        assertThat(run.exitValue()).as("128+3, as a shell reports; output %s", out()).isEqualTo(128 + 3);
        assertThat(out()).as("no JVM thread dump").doesNotContain("Full thread dump");
    }

    /**
     * A program killed by a signal sent to seccheck is reported alike for INT, TERM and QUIT: the
     * run exits 128+N; with --quiet nothing is printed, without it the end line gives that status.
     * (Only a run that had to kill what was left after the grace period says so under --quiet, and
     * only INT and TERM end a run: QUIT, like USR1, is the program's to handle.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"INT 2 quiet", "TERM 15 quiet", "QUIT 3 quiet", "INT 2 loud", "TERM 15 loud", "QUIT 3 loud"})
    void aProgramKilledBySignalIsReportedAlikeForIntTermAndQuit(String c) throws Exception {
        String[] sig = c.split(" ");
        boolean quiet = sig[2].equals("quiet");
        Process run = start(quiet, "ulimit -c 0; touch " + tmp.resolve("ready") + "; exec sleep 60");
        awaitFile(run, tmp.resolve("ready"));
        new ProcessBuilder("kill", "-" + sig[0], Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("the run ended after %s: %s", sig[0], out()).isTrue();
        int status = 128 + Integer.parseInt(sig[1]);
        assertThat(run.exitValue()).as("output %s", out()).isEqualTo(status);
        if (quiet) {
            assertThat(out()).isEmpty();
        } else {
            assertThat(out().lines().toList()).last().asString().matches("seccheck: run run-\\w+ ended: exit status " + status);
        }
    }

    /**
     * A signal whose default action ends a process and which the JVM does not use reaches the
     * program, whose trap prints it and exits 7, and the run ends with that status and its closing
     * line. Before, each killed the JVM (status 128+N, no closing line, the program SIGKILLed, the
     * runtime directory left behind).
     */
    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @MethodSource("signalsTheJvmDoesNotUse")
    void aSignalTheJvmDoesNotUseReachesTheProgramAndTheRunEndsWithItsStatus(int sig, boolean nobody) throws Exception {
        Path dir = tmp;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        }
        Path got = dir.resolve("got");
        Path ready = dir.resolve("ready");
        Process run = start(nobody, dir, false, "trap 'echo got " + sig + " > " + got + "; exit 7' " + sig + "; touch " + ready
                + "; while :; do sleep 0.05; done");
        awaitFile(run, ready);
        new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("the run ended after signal %d: %s", sig, out()).isTrue();
        assertThat(run.exitValue()).as("the program's status; output %s", out()).isEqualTo(7);
        assertThat(Files.readString(got).trim()).as("what the program's trap printed").isEqualTo("got " + sig);
        assertThat(out().lines().toList()).last().asString().matches("seccheck: run run-\\w+ ended: exit status 7");
        assertThat(runtimeDirectoriesLeft(dir.resolve("root"))).as("runtime directories left").isEmpty();
    }

    /** ALRM STKFLT XCPU VTALRM PROF IO PWR SYS TRAP ABRT, the first and the last real-time signals glibc leaves, each as root and as uid 65534. */
    static java.util.stream.Stream<Arguments> signalsTheJvmDoesNotUse() {
        return java.util.stream.IntStream.of(14, 16, 24, 26, 27, 29, 30, 31, 5, 6, 34, 64).boxed()
                .flatMap(s -> java.util.stream.Stream.of(Arguments.of(s, false), Arguments.of(s, true)));
    }

    /** The entries named run-* under {@code root}, at any depth: a run's runtime directory. */
    static List<Path> runtimeDirectoriesLeft(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (var all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
        }
    }

    @Test
    void usr2ReachesTheProgram() throws Exception {
        Process run = trapping("USR2");
        deliverToTrap(run, "USR2");
    }

    /** Sends TERM to seccheck and waits for it to end. */
    private static void terminate(Process run) throws Exception {
        run.destroy();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Starts a program that appends {@code sig}'s name to {@code got} when it catches it. */
    private Process trapping(String sig) throws Exception {
        Process run = start("trap \"echo " + sig + " >> " + tmp.resolve("got") + "\" " + sig + "; touch "
                + tmp.resolve("ready") + "; while :; do sleep 0.05; done");
        awaitFile(run, tmp.resolve("ready"));
        return run;
    }

    /** Sends {@code sig} to seccheck and waits for the program's trap to record it. */
    private void deliverToTrap(Process run, String sig) throws Exception {
        Path got = tmp.resolve("got");
        new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        await(run, sig + " in the program's trap", () -> Files.exists(got) && Files.readString(got).contains(sig));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TSTP", "TTIN", "TTOU"})
    void aStopSignalStopsTheProgramAndSeccheckLikeAJobAndContResumesBoth(String sig) throws Exception {
        // The kernel discards TSTP/TTIN/TTOU to an orphaned process group (natively too): a build
        // started with setsid, as some CI runners do, cannot show a job stop.
        org.junit.jupiter.api.Assumptions.assumeFalse(orphanedProcessGroup(),
                "this test's process group is orphaned: the kernel stops none of its members on " + sig);
        Path pidFile = tmp.resolve("pid");
        Path ticks = tmp.resolve("ticks");
        // The first tick is written before the pid: a stop that comes right after the pid must find it.
        Process run = start("echo 0 > " + ticks + "; echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                + "; i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo $i > " + ticks + "; sleep 0.05; done; exit 3");
        awaitFile(run, pidFile);
        awaitFile(run, ticks); // a program stopped before its first tick leaves nothing to compare (seen at load 21)
        long program = Long.parseLong(Files.readString(pidFile).trim());
        new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        await(run, "the program stopped", () -> state(program).matches("[Tt]"));
        await(run, "seccheck stopped after it, as a job", () -> state(run.pid()).equals("T"));
        String before = Files.readString(ticks);
        Thread.sleep(300);
        assertThat(Files.readString(ticks)).as("no tick while stopped").isEqualTo(before);

        new ProcessBuilder("kill", "-CONT", Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
        await(run, "the program running again", () -> !Files.readString(ticks).equals(before));
        terminate(run);
        assertThat(out()).as("seccheck reports nothing wrong").isEmpty();
    }

    @Test
    void aProgramThatCatchesTstpKeepsRunningAndSoDoesSeccheck() throws Exception {
        Process run = trapping("TSTP");
        deliverToTrap(run, "TSTP");
        Thread.sleep(2500); // longer than seccheck watches for a stop
        assertThat(state(run.pid())).as("seccheck still running").isNotEqualTo("T");
    }

    /**
     * Whether this JVM's process group is orphaned: no member has a parent in another group of the
     * same session (POSIX), so job-control stop signals are discarded for all of it.
     */
    static boolean orphanedProcessGroup() throws java.io.IOException {
        long[] self = statOf("self");
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] member = statOf(name);
                if (member == null || member[1] != self[1]) {
                    continue;
                }
                long[] parent = statOf(Long.toString(member[0]));
                if (parent != null && parent[1] != self[1] && parent[2] == self[2]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The ppid, pgrp and session of /proc/{@code pid}, or null if it is gone. */
    private static long[] statOf(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(Process run, String what, Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.ok()) {
            assertThat(run.isAlive()).as("seccheck alive waiting for %s: %s", what, out()).isTrue();
            assertThat(System.nanoTime() - deadline).as("%s within 20 s", what).isNegative();
            Thread.sleep(20);
        }
    }

    static String state(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        return Files.exists(stat) ? Files.readString(stat).replaceAll("(?s).*\\) ", "").substring(0, 1) : "gone";
    }

    @Test
    void termEndsARunWhoseProgramLeftADaemon() throws Exception {
        Path pidFile = tmp.resolve("daemon.pid");
        Process run = start("sh -c 'trap \"\" TERM; echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                + "; while :; do sleep 0.1; done' & exit 0");
        awaitFile(run, pidFile);
        long daemon = Long.parseLong(Files.readString(pidFile).trim());
        Thread.sleep(300);
        long t0 = System.nanoTime();
        run.destroy();
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("seccheck ended within 30 s of TERM: %s", out()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("after the 5 s grace").isGreaterThan(4000);
        assertThat(run.exitValue()).as("output %s", out()).isEqualTo(128 + 15);
        // Killed: gone, or a zombie waiting for a reaper (this container's init may not reap).
        Path stat = Path.of("/proc/" + daemon + "/stat");
        String state = Files.exists(stat) ? Files.readString(stat).replaceAll(".*\\) ", "").substring(0, 1) : "gone";
        assertThat(state).as("the daemon's state after the run").isIn("gone", "Z");
    }

    /**
     * A signal that reaches {@code seccheck run} once it forwards signals, but before the program's
     * first process exists, is delivered to that process as it starts: before, any but INT and TERM
     * was dropped (the program ran to its end and the run exited 0: ALRM 5/5, a real-time signal
     * 3/3, as root and as 65534), and TERM halted the JVM, leaving the run's runtime directory
     * behind. The window opens when seccheck catches ALRM (its status's SigCgt), which the JVM
     * itself never does; the signal is sent at once.
     */
    @ParameterizedTest(name = "signal {0}, as uid 65534: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"14, false", "43, false", "15, false", "14, true", "43, true"})
    void aSignalSentBeforeTheProgramStartedReachesItAsItStarts(int sig, boolean nobody) throws Exception {
        Path dir = tmp;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        }
        Process run = start(nobody, dir, true, "exec sleep 20");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!catchesAlarm(run.pid())) {
            assertThat(run.isAlive()).as("seccheck alive: %s", out()).isTrue();
            assertThat(System.nanoTime() - deadline).as("seccheck caught ALRM within 60 s").isNegative();
            Thread.onSpinWait();
        }
        dev.seccheck.linux.Signals.kill((int) run.pid(), sig);
        assertThat(run.waitFor(15, TimeUnit.SECONDS)).as("the run ended by the signal, not its 20 s sleep: %s", out())
                .isTrue();
        assertThat(run.exitValue()).as("killed by it, as the program was; output %s", out()).isEqualTo(128 + sig);
        if (sig == 15) { // the halt that TERM met there left it; a run killed this early may still, rarely (note)
            assertThat(runtimeDirectoriesLeft(dir.resolve("root"))).as("runtime directories left").isEmpty();
        }
    }

    /** Whether process {@code pid} catches SIGALRM (its status's SigCgt); false once it is gone. */
    private static boolean catchesAlarm(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("SigCgt:")) {
                    return (Long.parseUnsignedLong(line.substring("SigCgt:".length()).trim(), 16) & (1L << (14 - 1))) != 0;
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    private Process start(String script) throws Exception {
        return start(true, script);
    }

    /**
     * A program killed by a signal ends seccheck by the same signal, as strace does: the shell
     * that started it sees its command killed (bash reports "Terminated"; a script stops on a
     * Ctrl-C), not an exit with 143 it says nothing about.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TERM", "QUIT"})
    void aProgramKilledByASignalEndsSeccheckByThatSignal(String sig) throws Exception {
        List<String> argv = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "--root", tmp.resolve("root").toString(), "--quiet", "--config",
                TestPrograms.nullSession(tmp).toString(), "--", "sh", "-c", "kill -" + sig + " $$");
        String line = String.join(" ", argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        Process bash = new ProcessBuilder("bash", "-c", line + "; echo status=$?").redirectErrorStream(true).start();
        started.add(bash);
        assertThat(bash.waitFor(60, TimeUnit.SECONDS)).as("bash and seccheck ended within 60 s").isTrue();
        String out = new String(bash.getInputStream().readAllBytes());
        String native_ = sig.equals("TERM") ? "Terminated" : "Quit";
        assertThat(out).as("what bash saw").contains(native_).contains("status=" + (128 + SignalForwarding.number(sig)));
    }

    /** Starts {@code seccheck run} of {@code sh -c script}, with --quiet or not, its output (both streams) in out. */
    private Process start(boolean quiet, String script) throws Exception {
        return start(false, tmp, quiet, script);
    }

    /**
     * Starts {@code seccheck run} of {@code sh -c script} as this user or ({@code nobody}) as uid
     * 65534, its runtime root and session in {@code dir}, with --quiet or not, its output (both
     * streams) in out.
     */
    private Process start(boolean nobody, Path dir, boolean quiet, String script) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--root", dir.resolve("root").toString(), "--config",
                TestPrograms.nullSession(dir).toString(), "--", "sh", "-c", script));
        if (quiet) {
            args.add(args.indexOf("--config"), "--quiet");
        }
        List<String> argv = new java.util.ArrayList<>(nobody ? PackagedCli.asNobody(PackagedCli.nobodyClasspath())
                : List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                        "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(args);
        Process p = new ProcessBuilder(argv)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
        started.add(p);
        return p;
    }

    private void awaitFile(Process run, Path f) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(f)) {
            assertThat(run.isAlive()).as("seccheck run alive: %s", out()).isTrue();
            assertThat(System.nanoTime() - deadline).as("the program started within 60 s").isNegative();
            Thread.sleep(20);
        }
    }

    private String out() throws Exception {
        return Files.readString(tmp.resolve("out"));
    }

    /** JFR's sampler suspends threads with USR2: a profiled seccheck keeps USR2 for its JVM. */
    @Test
    void usr2StaysTheJvmsWhenAFlightRecordingRuns() {
        CallerWorld caller = new CallerWorld(List.of(), new int[0], 0L, 0L, -1, -1);

        assertThat(RunSignals.forwarded(caller, List.of("-XX:+UseSerialGC"))).contains("USR2", "USR1", "TERM");
        assertThat(RunSignals.forwarded(caller, List.of("-XX:StartFlightRecording=filename=r.jfr")))
                .doesNotContain("USR2").contains("USR1", "TERM");
        assertThat(RunSignals.forwarded(caller, List.of("-XX:+UseSerialGC -XX:StartFlightRecording:settings=profile")))
                .doesNotContain("USR2");
    }
}
