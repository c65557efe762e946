package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that blocks every signal in its threads still takes the sessions an operator creates
 * on its run and the commands {@code seccheck exec} runs in it. The tracer, asleep in waitpid,
 * was woken by a SIGURG sent to one of the program's threads and taken at its signal-delivery
 * stop; a program that blocked SIGURG never stopped for it, so every {@code trace create} with a
 * new filter layer failed after its deadline ("the tracer did not take up the new filter layer")
 * and every {@code seccheck exec} waited in vain: the program could refuse the operator's checks.
 * Now the bell wakes the tracer thread itself, which stops a thread with PTRACE_INTERRUPT, whatever
 * its mask. As root and as uid 65534.
 */
class BlockedSignalsControlTest {

    @TempDir
    Path tmp;

    @Test
    void sessionsAndExecsReachAProgramThatBlocksEverySignal() throws Exception {
        control(tmp, tmp, PackagedCli.java(System.getProperty("java.class.path")), "src/test/c/all_signals_blocked.c");
    }

    /** The same with seccheck, its CLI and the program unprivileged (uid 65534). */
    @Test
    void sessionsAndExecsReachAProgramThatBlocksEverySignalUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        control(tmp, PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath),
                "src/test/c/all_signals_blocked.c");
    }

    /**
     * Runs the C program {@code source} in {@code base} under {@code cli}, creates a session on it
     * (a new filter layer), and runs a command in it. The program opens DIR/tick every 50 ms until
     * DIR/stop exists; the run must end with status 0. Returns what the run printed.
     */
    static String control(Path tmp, Path base, List<String> cli, String source) throws Exception {
        Path program = CPrograms.compile(source, base, "-pthread");
        Path dir = Files.createDirectories(base.resolve("work"));
        Files.setOwner(dir, Files.getOwner(base));
        Path root = base.resolve("root");
        Path late = dir.resolve("late.log");
        Path initial = Files.writeString(base.resolve("base.json"), """
                {"name": "base", "points": [{"name": "sentry/clone"}], "sinks": [{"name": "null"}]}""");
        Path opens = Files.writeString(base.resolve("opens.json"), """
                {"name": "opens", "points": [{"name": "syscall/openat/enter"}, {"name": "syscall/close/exit"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(late));
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "blocked", "--config", initial.toString(),
                "--", program.toString(), dir.toString()));
        Path out = tmp.resolve("run-" + System.nanoTime() + ".out");
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            WorkloadControlTest.awaitServing(root.resolve("blocked").resolve("control.sock"));
            PackagedCli.Result created = run(tmp, cli, "trace", "create", "--root", root.toString(), "--config",
                    opens.toString(), "blocked");
            assertThat(created.status()).as("trace create: " + created.out() + created.err()).isZero();
            PackagedCli.await("the new session's points of the program's opens", Duration.ofSeconds(20),
                    () -> Files.exists(late) && Files.readString(late).contains("/tick"));
            PackagedCli.Result exec = run(tmp, cli, "exec", "--root", root.toString(), "blocked", "--", "/bin/echo", "in the run");
            assertThat(exec.status()).as("seccheck exec: " + exec.err()).isZero();
            assertThat(exec.out()).isEqualTo("in the run\n");
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        assertThat(run.exitValue()).as(Files.readString(out)).isZero();
        return Files.readString(out);
    }

    /** Runs the CLI of {@code cli} with {@code args}, at most a minute. */
    private static PackagedCli.Result run(Path tmp, List<String> cli, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }
}
