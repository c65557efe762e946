package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to {@code seccheck run} reach the program (USR1, WINCH, CONT, HUP), and TERM ends
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
