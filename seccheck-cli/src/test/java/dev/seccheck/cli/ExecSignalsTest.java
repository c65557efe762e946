package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to {@code seccheck exec} reach its command (issue 11), as they do for
 * {@code seccheck run}: USR1, USR2, WINCH, CONT, HUP and QUIT reach its traps; QUIT kills a
 * command that does not catch it (the client exits 128+3, no JVM thread dump); INT and TERM kill it and
 * the client exits 128+N, as a shell reports; a stop signal stops the command and then the
 * client, as a job, until CONT resumes both. The run is a separate JVM supervising a shell loop;
 * each exec client is a JVM of its own, signalled with kill(1).
 */
class ExecSignalsTest {

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    private Path root;

    @BeforeEach
    void startRun() throws Exception {
        root = tmp.resolve("root");
        Process run = java("run", "--root", root.toString(), "--id", "sig", "--quiet", "--config",
                TestPrograms.nullSession(tmp).toString(), "--", "sh", "-c",
                "while [ ! -e " + tmp.resolve("stop") + " ]; do sleep 0.05; done", tmp.resolve("run.out"));
        await(run, "the run's control socket", () -> Files.exists(root.resolve("sig/control.sock")));
    }

    @AfterEach
    void stop() throws Exception {
        Files.writeString(tmp.resolve("stop"), "");
        // The exec clients first: the run ends once their commands have.
        for (Process p : started.reversed()) {
            ProcessResult.end(p, 20);
        }
    }

    @Test
    void forwardableSignalsReachTheCommandAndTermEndsItWithStatus143() throws Exception {
        Path got = tmp.resolve("got");
        List<String> forwarded = List.of("USR1", "USR2", "WINCH", "CONT", "HUP", "QUIT");
        Process exec = exec(TestPrograms.traps(got, forwarded) + "touch " + tmp.resolve("ready")
                + "; while :; do sleep 0.05; done");
        await(exec, "the command", () -> Files.exists(tmp.resolve("ready")));
        for (String sig : forwarded) {
            kill(sig, exec.pid());
            await(exec, sig + " in the command's trap", () -> Files.exists(got) && Files.readString(got).contains(sig));
        }
        kill("TERM", exec.pid());
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).as("exec ended after TERM").isTrue();
        assertThat(exec.exitValue()).as(out("exec.out")).isEqualTo(128 + 15);
    }

    @Test
    void quitKillsTheCommandAndTheClientExits131WithoutAThreadDump() throws Exception {
        Process exec = exec("ulimit -c 0; touch " + tmp.resolve("ready") + "; exec sleep 60");
        await(exec, "the command", () -> Files.exists(tmp.resolve("ready")));
        kill("QUIT", exec.pid());
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).as("exec ended after QUIT").isTrue();
        assertThat(exec.exitValue()).as(out("exec.out")).isEqualTo(128 + 3);
        assertThat(out("exec.out")).as("no JVM thread dump").doesNotContain("Full thread dump");
    }

    @Test
    void intKillsTheCommandAndTheClientExits130() throws Exception {
        Process exec = exec("touch " + tmp.resolve("ready") + "; exec sleep 60");
        await(exec, "the command", () -> Files.exists(tmp.resolve("ready")));
        kill("INT", exec.pid());
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).as("exec ended after INT").isTrue();
        assertThat(exec.exitValue()).as(out("exec.out")).isEqualTo(128 + 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TSTP", "TTIN", "TTOU"})
    void aStopSignalStopsTheCommandAndTheClientLikeAJobAndContResumesBoth(String sig) throws Exception {
        // The kernel discards TSTP/TTIN/TTOU to an orphaned process group (see RunSignalsTest).
        Assumptions.assumeFalse(RunSignalsTest.orphanedProcessGroup(),
                "this test's process group is orphaned: the kernel stops none of its members on " + sig);
        Path pidFile = tmp.resolve("pid");
        Path ticks = tmp.resolve("ticks");
        Process exec = exec("echo $$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                + "; i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo $i > " + ticks + "; sleep 0.05; done; exit 3");
        await(exec, "the command", () -> Files.exists(pidFile));
        long command = Long.parseLong(Files.readString(pidFile).trim());
        kill(sig, exec.pid());
        await(exec, "the command stopped", () -> RunSignalsTest.state(command).matches("[Tt]"));
        await(exec, "the client stopped after it, as a job", () -> RunSignalsTest.state(exec.pid()).equals("T"));
        String before = Files.readString(ticks);
        Thread.sleep(300);
        assertThat(Files.readString(ticks)).as("no tick while stopped").isEqualTo(before);

        kill("CONT", exec.pid());
        await(exec, "the command running again", () -> !Files.readString(ticks).equals(before));
        kill("INT", exec.pid());
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(exec.exitValue()).as(out("exec.out")).isEqualTo(128 + 2);
    }

    @Test
    void aCommandWhoseExecveFailsAfterItsReleaseEndsTheClientAsRunEnds() throws Exception {
        // Executable and no program: the pre-checks pass, the held child's execve fails (ENOEXEC).
        Path garbage = Files.writeString(tmp.resolve("garbage"), "not a program\n");
        Files.setPosixFilePermissions(garbage, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Process exec = java("exec", "--root", root.toString(), "sig", "--", garbage, tmp.resolve("exec.out"));
        Process run = java("run", "--root", tmp.resolve("root2").toString(), "--quiet", "--", garbage, tmp.resolve("run2.out"));
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(exec.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(out("run2.out")).isEqualTo(126);
        assertThat(exec.exitValue()).as(out("exec.out")).isEqualTo(126);
        String said = lastLine("run2.out");
        assertThat(said).startsWith("seccheck run: " + garbage + ": cannot execute: ");
        assertThat(lastLine("exec.out")).as("run's message").isEqualTo(said.replace("seccheck run: ", "seccheck exec: "));
    }

    private String lastLine(String file) throws Exception {
        return out(file).strip().lines().reduce((a, b) -> b).orElse("");
    }

    private Process exec(String script) throws Exception {
        return java("exec", "--root", root.toString(), "sig", "--", "sh", "-c", script, tmp.resolve("exec.out"));
    }

    /** Starts the CLI in a JVM of its own; the last argument is the file for its output. */
    private Process java(Object... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        for (int i = 0; i < args.length - 1; i++) {
            cmd.add(args[i].toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(((Path) args[args.length - 1]).toFile()).start();
        started.add(p);
        return p;
    }

    private static void kill(String sig, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor()).isZero();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(Process p, String what, Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.ok()) {
            assertThat(p.isAlive()).as("alive waiting for %s: %s %s", what, out("run.out"), out("exec.out")).isTrue();
            assertThat(System.nanoTime() - deadline).as("%s within 60 s", what).isNegative();
            Thread.sleep(20);
        }
    }

    private String out(String name) throws Exception {
        Path f = tmp.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
