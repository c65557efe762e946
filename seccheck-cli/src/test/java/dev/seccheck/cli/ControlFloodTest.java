package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The supervised program floods its run's control socket ({@code src/test/c/control_flood.c}):
 * it holds hundreds of connections, silent or sending garbage or half a request a byte at a time,
 * from itself and from a child that inherited some, replacing each one answered; or it connects
 * and closes in a loop from two threads. The session is the README's {@code -e trace=%file},
 * which has no connect point, so the program's connects are its own. Meanwhile the operator's
 * {@code trace list}, {@code trace create} and {@code exec} are all served within their 10 s
 * deadline. Before, the run read a whole request (up to 5 s) before it looked at who sent it, on
 * one of 32 slots, and answered "busy" on its accept thread: holding connections took every slot
 * and the accept thread, and the operator's requests failed ("did not answer within").
 */
class ControlFloodTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, as uid 65534: {1}")
    @CsvSource({"hold, false", "churn, false", "hold, true"})
    void theOperatorIsServedWhileTheProgramFloodsItsControlSocket(String mode, boolean nobody) throws Exception {
        List<String> cli = PackagedCli.java(System.getProperty("java.class.path"));
        Path work = tmp;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            cli = PackagedCli.asNobody(PackagedCli.nobodyClasspath());
            work = PackagedCli.nobodysDir(tmp.resolve("nobody"));
        }
        Path flood = CPrograms.compile("src/test/c/control_flood.c", tmp, "-pthread");
        Path root = work.resolve("root");
        Path ready = work.resolve("ready");
        Path stop = work.resolve("stop");
        Path session = Files.writeString(tmp.resolve("added.json"), """
                {"name": "added", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--root", root.toString(), "--id", "flood", "--quiet", "-e", "trace=%file",
                "-o", "/dev/null", "--", flood.toString(), root.resolve("flood").resolve("control.sock").toString(),
                mode, ready.toString(), stop.toString()));
        Path runOut = tmp.resolve("run.out");
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(runOut.toFile()).start();
        try {
            PackagedCli.await("the program's flood", Duration.ofSeconds(60), () -> {
                if (!run.isAlive()) {
                    throw new AssertionError("the run ended: " + Files.readString(runOut));
                }
                return Files.exists(ready);
            });

            // All three at once, as operators do: none may wait for another.
            Process list = operator(cli, "list", "trace", "list", "--timeout", "10", "--root", root.toString(), "flood");
            Process create = operator(cli, "create", "trace", "create", "--timeout", "10", "--root", root.toString(),
                    "--config", session.toString(), "flood");
            Process exec = operator(cli, "exec", "exec", "--timeout", "10", "--root", root.toString(), "flood", "--",
                    "/bin/echo", "served");

            assertThat(finished(list, "list")).contains("\"trace\" (");
            assertThat(finished(create, "create")).contains("created");
            assertThat(finished(exec, "exec")).contains("served");
        } finally {
            Files.writeString(stop, "");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        // Hundreds at least: a loaded machine (CI at a load of 25) made 792 in the operators' time, an idle one thousands.
        assertThat(Files.readString(runOut)).as("the flood was on").containsPattern("control_flood: \\d{3,} connects");
    }

    /** Starts the operator's {@code seccheck ARGS}, its output in {@code NAME.out}. */
    private Process operator(List<String> cli, String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** Waits for an operator's command, fails unless it exited 0, and returns its output. */
    private String finished(Process p, String name) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("seccheck " + name + " did not end within 60 s");
        }
        String out = Files.readString(tmp.resolve(name + ".out"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("seccheck " + name + ": " + out).isZero();
        return out;
    }
}
