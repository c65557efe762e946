package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signal a process sends to {@code seccheck run} reaches the program as the same signal sent to
 * the program natively: once, and from that process. A process that signals seccheck's whole
 * process group (killpg; GNU timeout and CI runners end a job so), which holds the program too,
 * made the program take two copies, its own and seccheck's; and seccheck's copy named seccheck as
 * its sender (si_pid), where natively the handler sees the process that sent it. The test's JVM
 * sends the signals; the program ({@code signal_count.c}) counts them and names each one's sender.
 * Each run is a session of its own ({@code setsid}), natively and under seccheck, as root and as
 * uid 65534.
 */
class SignalSendersTest {

    private static final int USR1 = 10;
    private static final int TERM = 15;
    private static final int WINCH = 28;

    @TempDir
    Path tmp;

    /** USR1 and TERM to the whole group, WINCH to seccheck alone: each once, from the test. */
    @Test
    void eachSignalArrivesOnceFromItsSender() throws Exception {
        Path program = CPrograms.compile("src/test/c/signal_count.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            ProcessBuilder pb = PackagedCli.nativeOrUnderSeccheckProcess(dir, underSeccheck,
                    List.of(program.toString(), "3"));
            assertThat(signalled(pb, dir)).as(underSeccheck ? "under seccheck" : "natively").isEqualTo(expected());
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void eachSignalArrivesOnceFromItsSenderUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/signal_count.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            ProcessBuilder pb = PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, underSeccheck,
                    List.of(program.toString(), "3"));
            assertThat(signalled(pb, dir)).as(underSeccheck ? "under seccheck as uid 65534" : "natively as uid 65534")
                    .isEqualTo(expected());
        }
    }

    /** What the program prints: each signal once, from this JVM. */
    private static String expected() {
        long self = ProcessHandle.current().pid();
        return "ready\nsignal " + WINCH + " x1 from " + self + "\nsignal " + TERM + " x1 from " + self
                + "\nsignal " + USR1 + " x1 from " + self + "\ndone\n";
    }

    /**
     * Starts {@code pb} as a session of its own, waits for the program's "ready", sends USR1 to the
     * session's process group, WINCH to the process started alone (seccheck under seccheck) and TERM
     * to the group, and returns what the program printed.
     */
    private String signalled(ProcessBuilder pb, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(pb.command());
        Path out = dir.resolveSibling(dir.getFileName() + ".out");
        Path err = dir.resolveSibling(dir.getFileName() + ".err");
        // setsid execs the command (a child of this JVM leads no group): the pid started is the session's.
        Process p = pb.command(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        try {
            PackagedCli.await("the program's ready line", Duration.ofSeconds(60),
                    () -> Files.readString(out).startsWith("ready\n"));
            int pid = (int) p.pid();
            Signals.kill(-pid, USR1);
            Thread.sleep(200);
            Signals.kill(pid, WINCH);
            Thread.sleep(200);
            Signals.kill(-pid, TERM);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ended").isTrue();
            return Files.readString(out);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
