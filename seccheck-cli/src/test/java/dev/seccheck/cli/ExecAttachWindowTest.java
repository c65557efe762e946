package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seccheck exec} opens no window on the supervisor (issue 9). To seize a command it
 * spawned, seccheck lifts its non-dumpable seal for one PTRACE_SEIZE; a workload spinning on
 * {@code open("/proc/<seccheck>/mem")} could win that race and keep the descriptor. Here the
 * packaged CLI runs as uid 65534 (without CAP_SYS_PTRACE, as an attacker of the same user is),
 * its program ({@code mem_spinner.c}, two threads) opens seccheck's {@code mem} and
 * {@code environ} in a loop, and a client makes {@value #EXECS} execs meanwhile: not one open
 * may succeed, and every exec must run.
 */
class ExecAttachWindowTest {

    /** Before the seal was kept, 3,626 opens won over 250 execs, 14 an exec: 60 leave no doubt. */
    private static final int EXECS = 60;

    @TempDir
    Path tmp;

    @Test
    void aWorkloadSpinningOnTheSupervisorsMemoryNeverOpensItWhileCommandsAreExeced() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path spinner = spinner();
        Path client = tmp.resolve("exec_loop.py");
        try (InputStream in = ExecAttachWindowTest.class.getResourceAsStream("exec_loop.py")) {
            Files.copy(in, client);
        }
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rw-r--r--"));
        Path session = Files.writeString(tmp.resolve("session.json"),
                "{\"name\": \"n\", \"points\": [{\"name\": \"sentry/execve\"}], \"sinks\": [{\"name\": \"null\"}]}");
        Files.setPosixFilePermissions(session, PosixFilePermissions.fromString("rw-r--r--"));
        Path xdg = PackagedCli.nobodysDir(tmp.resolve("xdg"));
        Path stop = tmp.resolve("stop");
        Path out = tmp.resolve("run.out");

        ProcessBuilder pb = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--id", "spin",
                "--config", session.toString(), "--", spinner.toString(), stop.toString(), "2"))
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        Process run = pb.start();
        try {
            PackagedCli.await("the spinner to start", Duration.ofSeconds(60),
                    () -> Files.readString(out).contains("spinning"));
            Path socket = xdg.resolve("seccheck/spin/control.sock");
            Result execs = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody("/usr/bin/python3", client.toString(),
                    socket.toString(), Integer.toString(EXECS), "/bin/true")), tmp, Duration.ofSeconds(300));
            assertThat(execs.out()).as(execs.err()).contains("execs ok " + EXECS);
        } finally {
            Files.writeString(stop, "");
            if (!run.waitFor(60, TimeUnit.SECONDS)) {
                run.destroyForcibly();
                run.waitFor(10, TimeUnit.SECONDS);
            }
        }
        String printed = Files.readString(out);
        assertThat(printed).as(printed).containsPattern("attempts [1-9]\\d* won 0");
        assertThat(run.exitValue()).as(printed).isZero();
    }

    /** The spinner's open count must be real: natively, as uid 65534, it opens its own parent's mem. */
    @Test
    void nativelyTheSpinnerOpensItsParentsMemory() throws Exception {
        PackagedCli.forNobody(tmp);
        Path spinner = spinner();
        Path stop = PackagedCli.nobodysDir(tmp.resolve("n")).resolve("stop");
        // The spinner's parent is this shell, which stops it after a moment.
        Result r = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody("/bin/sh", "-c",
                spinner + " " + stop + " 1 & sleep 0.3; touch " + stop + "; wait")), tmp, Duration.ofSeconds(60));
        assertThat(r.out()).as(r.err()).containsPattern("attempts (\\d+) won [1-9]");
        assertThat(List.of(r.status())).containsExactly(0);
    }

    private Path spinner() throws Exception {
        Path source = TestPrograms.repoRoot().resolve("seccheck-cli/src/test/c/mem_spinner.c");
        return TestPrograms.compile(source, tmp.resolve("mem_spinner"));
    }
}
