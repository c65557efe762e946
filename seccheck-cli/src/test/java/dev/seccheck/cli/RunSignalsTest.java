package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to {@code seccheck run} reach the program (USR1, USR2, WINCH, CONT, HUP), stop
 * signals stop the program and then seccheck as a job until CONT, and TERM ends
 * a run whose program exited but left a daemon that ignores TERM: the daemon is killed after the
 * grace period and the exit status is 128+15.
 */
class RunSignalsTest {

    @TempDir
    Path tmp;

    @Test
    void forwardableSignalsReachTheProgram() throws Exception {
        Path got = tmp.resolve("got");
        Process run = start("for s in USR1 WINCH CONT HUP; do trap \"echo $s >> " + got + "\" $s; done; "
                + "trap 'exit 7' TERM; touch " + tmp.resolve("ready") + "; while :; do sleep 0.05; done");
        try {
            awaitFile(run, tmp.resolve("ready"));
            for (String sig : List.of("USR1", "WINCH", "CONT", "HUP")) {
                new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!(Files.exists(got) && Files.readString(got).contains(sig))) {
                    assertThat(run.isAlive()).as("seccheck alive after %s: %s", sig, out()).isTrue();
                    assertThat(System.nanoTime() - deadline).as("%s reached the program within 20 s", sig).isNegative();
                    Thread.sleep(20);
                }
            }
            run.destroy();
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as("the program's TERM trap decides; output %s", out()).isEqualTo(7);
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void usr2ReachesTheProgram() throws Exception {
        Path got = tmp.resolve("got");
        Process run = start("trap \"echo USR2 >> " + got + "\" USR2; touch " + tmp.resolve("ready")
                + "; while :; do sleep 0.05; done");
        try {
            awaitFile(run, tmp.resolve("ready"));
            new ProcessBuilder("kill", "-USR2", Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
            await(run, "USR2 in the program's trap", () -> Files.exists(got) && Files.readString(got).contains("USR2"));
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TSTP", "TTIN", "TTOU"})
    void aStopSignalStopsTheProgramAndSeccheckLikeAJobAndContResumesBoth(String sig) throws Exception {
        Path pidFile = tmp.resolve("pid");
        Path ticks = tmp.resolve("ticks");
        Process run = start("echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                + "; i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo $i > " + ticks + "; sleep 0.05; done; exit 3");
        try {
            awaitFile(run, pidFile);
            long program = Long.parseLong(Files.readString(pidFile).trim());
            new ProcessBuilder("kill", "-" + sig, Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
            await(run, "the program stopped", () -> state(program).matches("[Tt]"));
            await(run, "seccheck stopped after it, as a job", () -> state(run.pid()).equals("T"));
            String before = Files.readString(ticks);
            Thread.sleep(300);
            assertThat(Files.readString(ticks)).as("no tick while stopped").isEqualTo(before);

            new ProcessBuilder("kill", "-CONT", Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
            await(run, "the program running again", () -> !Files.readString(ticks).equals(before));
            run.destroy();
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out()).as("seccheck reports nothing wrong").isEmpty();
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProgramThatCatchesTstpKeepsRunningAndSoDoesSeccheck() throws Exception {
        Path got = tmp.resolve("got");
        Process run = start("trap \"echo TSTP >> " + got + "\" TSTP; touch " + tmp.resolve("ready")
                + "; while :; do sleep 0.05; done");
        try {
            awaitFile(run, tmp.resolve("ready"));
            new ProcessBuilder("kill", "-TSTP", Long.toString(run.pid())).start().waitFor(10, TimeUnit.SECONDS);
            await(run, "TSTP in the program's trap", () -> Files.exists(got) && Files.readString(got).contains("TSTP"));
            Thread.sleep(2500); // longer than seccheck watches for a stop
            assertThat(state(run.pid())).as("seccheck still running").isNotEqualTo("T");
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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

    private static String state(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        return Files.exists(stat) ? Files.readString(stat).replaceAll("(?s).*\\) ", "").substring(0, 1) : "gone";
    }

    @Test
    void termEndsARunWhoseProgramLeftADaemon() throws Exception {
        Path pidFile = tmp.resolve("daemon.pid");
        Process run = start("sh -c 'trap \"\" TERM; echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                + "; while :; do sleep 0.1; done' & exit 0");
        try {
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
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(String script) throws Exception {
        return new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "--root", tmp.resolve("root").toString(), "--quiet", "--config",
                session().toString(), "--", "sh", "-c", script))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
    }

    private Path session() throws Exception {
        Path c = tmp.resolve("s.json");
        Files.writeString(c, "{\"trace_session\":{\"name\":\"n\",\"points\":[{\"name\":\"syscall/openat/enter\"}],"
                + "\"sinks\":[{\"name\":\"null\"}]}}");
        return c;
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
}
