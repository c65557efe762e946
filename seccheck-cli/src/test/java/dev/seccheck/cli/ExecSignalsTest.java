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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to {@code seccheck exec} reach its command (issue 11), as they do for
 * {@code seccheck run}: USR1, USR2, WINCH, CONT, HUP and QUIT reach its traps; QUIT, INT and TERM
 * kill a command that does not catch them, and a command killed by signal N, by whomever, ends the
 * client by signal N too (no JVM thread dump for QUIT), so the client's parent sees what it would
 * see of the command run natively; a stop signal stops the command and then the client, as a job,
 * until CONT resumes both. The run is a separate JVM supervising a shell loop; each exec client is
 * a JVM of its own, signalled with kill(1), most of them started by {@code wait_status}
 * (src/test/c), which tells how waitpid saw the client end.
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
                "touch " + tmp.resolve("running") + "; while [ ! -e " + tmp.resolve("stop") + " ]; do sleep 0.05; done",
                tmp.resolve("run.out"));
        // The socket is served before the workload starts, and exec refuses a workload not running yet.
        await(run, "the run's workload", () -> Files.exists(root.resolve("sig/control.sock")) && Files.exists(tmp.resolve("running")));
    }

    @AfterEach
    void stop() throws Exception {
        Files.writeString(tmp.resolve("stop"), "");
        // The exec clients first: the run ends once their commands have.
        for (Process p : started.reversed()) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                // A wait_status whose client is still running: the client first, by its pid.
                p.descendants().forEach(ProcessHandle::destroyForcibly);
            }
            ProcessResult.end(p, 10);
        }
    }

    @Test
    void forwardableSignalsReachTheCommandAndTermEndsBoth() throws Exception {
        Path got = tmp.resolve("got");
        List<String> forwarded = List.of("USR1", "USR2", "WINCH", "CONT", "HUP", "QUIT");
        Waited exec = waited(TestPrograms.traps(got, forwarded) + "touch " + tmp.resolve("ready")
                + "; while :; do sleep 0.05; done");
        await(exec.reporter(), "the command", () -> Files.exists(tmp.resolve("ready")));
        for (String sig : forwarded) {
            kill(sig, exec.client());
            await(exec.reporter(), sig + " in the command's trap", () -> Files.exists(got) && Files.readString(got).contains(sig));
        }
        kill("TERM", exec.client());
        assertThat(exec.ended()).as(out("exec.out")).isEqualTo("signaled 15");
    }

    /**
     * A signal sent to the client that kills its command (QUIT, INT: the command does not catch
     * them) ends the client by the same signal, as the shell that started it would see the
     * command itself end; QUIT makes no JVM thread dump on the way.
     */
    @ParameterizedTest
    @CsvSource({"QUIT, 3", "INT, 2"})
    void aForwardedSignalThatKillsTheCommandEndsTheClientByIt(String sig, int number) throws Exception {
        Waited exec = waited("ulimit -c 0; touch " + tmp.resolve("ready") + "; exec sleep 60");
        await(exec.reporter(), "the command", () -> Files.exists(tmp.resolve("ready")));
        kill(sig, exec.client());
        assertThat(exec.ended()).as(out("exec.out")).isEqualTo("signaled " + number);
        assertThat(out("exec.out")).as("no JVM thread dump").doesNotContain("Full thread dump");
    }

    /**
     * A command that kills itself ends the client by the same signal (issue 11), as
     * {@code seccheck run} ends (RunSignalsTest): waitpid sees the client killed by it, not an exit
     * with 128+N; an ordinary exit status, 143 included, still passes through as an exit.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"kill -TERM $$|signaled 15", "ulimit -c 0; kill -QUIT $$|signaled 3",
        "kill -KILL $$|signaled 9", "exit 143|exited 143", "exit 3|exited 3"})
    void aCommandKilledByASignalEndsTheClientByThatSignal(String script, String ended) throws Exception {
        assertThat(waited(script).ended()).as(out("exec.out")).isEqualTo(ended);
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

    /**
     * An exec client of {@code sh -c script} started by {@code wait_status} (src/test/c), which
     * tells how waitpid saw the client end; {@code client} is the client's pid.
     */
    private record Waited(Process reporter, long client, Path status) {
        /** Waits (60 s at most) for the client to end: "exited N" or "signaled N". */
        String ended() throws Exception {
            assertThat(reporter.waitFor(60, TimeUnit.SECONDS)).as("the exec client ended within 60 s").isTrue();
            assertThat(reporter.exitValue()).as("wait_status's own status").isZero();
            return Files.readString(status).strip();
        }
    }

    private Waited waited(String script) throws Exception {
        Path reporter = CPrograms.compile("src/test/c/wait_status.c", tmp);
        Path status = tmp.resolve("status");
        Process p = java(List.of(reporter.toString(), status.toString()), "exec", "--root", root.toString(), "sig", "--", "sh", "-c", script,
                tmp.resolve("exec.out"));
        Path pid = tmp.resolve("status.pid");
        await(p, "the exec client's pid", () -> Files.exists(pid));
        return new Waited(p, Long.parseLong(Files.readString(pid).strip().split(" ")[1]), status);
    }

    /** Starts the CLI in a JVM of its own; the last argument is the file for its output. */
    private Process java(Object... args) throws Exception {
        return java(List.of(), args);
    }

    /** As {@link #java(Object...)}, the JVM started by {@code launcher} (a program and its arguments). */
    private Process java(List<String> launcher, Object... args) throws Exception {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(),
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
