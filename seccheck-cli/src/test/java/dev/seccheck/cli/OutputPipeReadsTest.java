package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipe that is seccheck's stderr is the program's too, and a pipe reopened through
 * {@code /proc/self/fd/2} for reading is a read end of it: a program that did so and parked
 * threads in read() took about 95% of seccheck's lines, its alerts among them, before the reader
 * at the pipe's other end saw them (the red team's steal.c, under the default session and the
 * README's guard policy). Now an open seccheck performs that reaches its own output pipe for
 * reading fails with EACCES, whatever the way (the {@code /proc/self/fd} link, {@code /dev/stderr},
 * an O_PATH fd reopened, another process's {@code /proc/PID/fd}), and every alert line reaches
 * this test's end of the pipe; an open of it for writing, and a reopen for reading of any other
 * pipe (the program's own, stdin), do as natively. Natively first, as root and as uid 65534.
 */
class OutputPipeReadsTest {

    private static final int CALLS = 20;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}, under {1}")
    @CsvSource({"false, default", "true, default", "false, policy", "true, policy"})
    void theProgramCannotReadSeccheckOwnOutputPipe(boolean nobody, String session) throws Exception {
        Assumptions.assumeTrue(!nobody || isRoot(), "switching to uid 65534 needs root");
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path program = CPrograms.compile("src/test/c/output_pipe_reopen.c", tmp, "-pthread");
        List<String> command = List.of(program.toString(), Integer.toString(CALLS));
        Path config = null;
        if (session.equals("policy")) {
            config = Files.writeString(tmp.resolve("guard.json"), PolicyEnforcementTest.readmeGuardPolicy());
        }

        Run natively = run(command, "native", nobody);
        List<String> common = List.of("stderr-for-writing ok", "own-pipe-write-end-for-reading ok", "own-pipe wrote 1 read 1 a",
                "stdin-for-reading ok", "stdin read 10 from-test", "calls " + CALLS);
        List<String> expected = new ArrayList<>(List.of("stderr-for-reading ok", "stderr-for-reading-and-writing ok",
                "stderr-through-o-path ok", "stderr-of-parent-for-reading ok"));
        expected.addAll(common);
        assertThat(natively.results).as(natively.err).containsExactlyElementsOf(expected);

        Run r = run(underSeccheck(nobody, config, List.of(), command), "supervised", nobody);
        assertThat(r.err.lines().filter(l -> l.startsWith("seccheck: refused kill from task")))
                .as("seccheck's refusals on its stderr, %s; the program's: %s", r.err, r.out).hasSize(CALLS);
        if (config != null) {
            assertThat(r.err.lines().filter(l -> l.contains("\"rule_name\":\"no secrets\"")))
                    .as("the policy's alerts on its stderr, %s; the program's: %s", r.err, r.out).hasSize(CALLS);
        }
        expected = new ArrayList<>(List.of("stderr-for-reading EACCES", "stderr-for-reading-and-writing EACCES",
                "stderr-through-o-path EACCES", "stderr-of-parent-for-reading EACCES"));
        expected.addAll(common);
        assertThat(r.results).as(r.err).containsExactlyElementsOf(expected);
        assertThat(r.err).contains("the program's own line")
                .containsPattern("seccheck: refused open(at)? from task \\d+ \\(output_pipe_reo\\) of pipe:\\[\\d+\\] for reading");
    }

    /**
     * A trail written to a FIFO ({@code -o FIFO}) is seccheck's output too: the program's open of
     * that FIFO by its name for reading (bash's {@code exec 3<>FIFO}, O_RDWR, which natively does
     * not wait for a writer) fails with EACCES, and the trail, the refused open's line in it,
     * reaches this test's reader.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theProgramCannotReadATrailFifo(boolean nobody) throws Exception {
        Assumptions.assumeTrue(!nobody || isRoot(), "switching to uid 65534 needs root");
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path fifo = tmp.resolve("trail");
        assertThat(new ProcessBuilder("mkfifo", "-m", "666", fifo.toString()).start().waitFor()).isZero();
        List<String> command = List.of("/bin/bash", "-c", "if exec 3<>" + fifo + "; then echo opened; else echo refused; fi");

        Run natively = run(command, "native", nobody);
        assertThat(natively.results).as(natively.err).containsExactly("opened");

        CompletableFuture<String> trail = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo); // to the end: seccheck closes its trail as the run ends
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Run r = run(underSeccheck(nobody, null, List.of("-e", "trace=openat", "-o", fifo.toString()), command),
                "supervised", nobody);
        assertThat(r.results).as(r.err).containsExactly("refused");
        assertThat(r.err).contains("seccheck: refused openat from task").contains(" of " + fifo + " for reading");
        assertThat(trail.get(30, TimeUnit.SECONDS).lines().filter(l -> l.contains("\"" + fifo + "\"")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING).contains("EACCES");
    }

    /** What the program printed (its result lines, and all of it), and what reached the end of its stderr pipe. */
    private record Run(List<String> results, String out, String err) {}

    /**
     * Runs {@code cmd} from a shell of this user or ({@code nobody}) of uid 65534, which makes the
     * pipes, so that they are that user's (the kernel lets only a pipe's owner reopen it): its
     * stdout a file, its stderr a pipe to {@code cat}, whose output this test reads as the process
     * runs, its stdin a pipe given "from-test".
     */
    private Run run(List<String> cmd, String name, boolean nobody) throws Exception {
        Path out = Files.createFile(tmp.resolve(name + ".out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw-rw-"));
        String script = "printf 'from-test\\n' | " + String.join(" ", cmd.stream().map(a -> "'" + a + "'").toList())
                + " 2>&1 >" + out + " | cat";
        List<String> shell = List.of("/bin/sh", "-c", script);
        ProcessBuilder pb = new ProcessBuilder(nobody ? PackagedCli.nobody(shell.toArray(String[]::new)) : shell)
                .directory(tmp.toFile()).redirectErrorStream(true);
        if (nobody) {
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg-" + System.nanoTime())).toString());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not end within 120 s: " + err.getNow(""));
        }
        String printed = Files.readString(out);
        assertThat(p.exitValue()).as(printed + err.get()).isZero();
        List<String> results = printed.lines().filter(l -> !l.startsWith("stolen ")).toList();
        return new Run(results, printed, err.get(30, TimeUnit.SECONDS));
    }

    /**
     * {@code seccheck run} of {@code command}, with {@code options} and the sessions of {@code
     * config}, or else the built-in one, its trail on stderr.
     */
    private List<String> underSeccheck(boolean nobody, Path config, List<String> options, List<String> command) {
        List<String> cmd = PackagedCli.java(nobody ? PackagedCli.nobodyClasspath() : System.getProperty("java.class.path"));
        cmd.addAll(List.of("run", "--quiet"));
        cmd.addAll(options);
        if (!nobody) {
            cmd.addAll(List.of("--root", tmp.resolve("root").toString()));
        }
        if (config != null) {
            cmd.addAll(List.of("--config", config.toString()));
        }
        cmd.add("--");
        cmd.addAll(command);
        return cmd;
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}
