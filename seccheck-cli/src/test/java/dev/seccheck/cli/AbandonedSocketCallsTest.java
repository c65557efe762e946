package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blocking connect or send seccheck performs (under a session with a connect point) waits on a
 * thread of its pool, on seccheck's copy of the program's socket: a connect for good on a unix
 * listener whose backlog is full, a send on a unix datagram socket whose queue is full. Before,
 * nothing ended that wait when the program gave up on the call: a program that killed such callers
 * held a thread of seccheck's per call (1,024 of them made every later call that may wait fail with
 * EAGAIN), and a call a signal interrupted (EINTR) went on waiting, and connected the program's
 * socket, or delivered its datagram, behind its back once there was room, where natively the
 * interrupted call is abandoned. Now the sweeper of {@code Waits} ends such a call with a signal
 * ({@code BlockingSocketCall}). The program is {@code src/test/c/blocking_socket_calls.c}; each
 * case runs natively too, as root and as uid 65534.
 */
class AbandonedSocketCallsTest {

    private static final String PROGRAM = "src/test/c/blocking_socket_calls.c";
    private static final int CALLERS = 20;
    private static final String CONNECT_INTERRUPTED =
            "connect EINTR; next connect ENOENT; accept ok; getpeername ENOTCONN\n";
    private static final String SEND_INTERRUPTED = "send EINTR; next send ENOENT; late datagrams 0\n";
    /** Threads seccheck may have beyond those it had before the calls (a timer, the JIT's): fewer than 20. */
    private static final int SLACK = 8;
    /** Long enough for a pool thread's idle end (10 s) after its wait ended, on a loaded machine. */
    private static final Duration THREADS_BACK = Duration.ofSeconds(90);

    /** The calls waited in, and their numbers on x86-64, as /proc/PID/task/TID/syscall begins while a thread is in one. */
    private enum Waited {
        CONNECT("42"), SEND("44");

        final String nr;

        Waited(String nr) {
            this.nr = nr;
        }

        String arg() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @TempDir
    Path tmp;

    /**
     * 20 children each wait in a connect to the program's full listener and are killed: seccheck's
     * threads in connect go back to none, and its thread count to what it was before them (before,
     * 20 threads stayed in connect for the rest of the run).
     */
    @Test
    void theWaitOfAKilledConnectorEnds() throws Exception {
        killed(Waited.CONNECT, false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void theWaitOfAKilledConnectorEndsUnprivileged() throws Exception {
        killed(Waited.CONNECT, true);
    }

    /**
     * 20 children each wait in a send to the program's full datagram receiver and are killed: no
     * thread of seccheck's stays in sendto (before, 20 stayed in it for the rest of the run).
     */
    @Test
    void theWaitOfAKilledSenderEnds() throws Exception {
        killed(Waited.SEND, false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void theWaitOfAKilledSenderEndsUnprivileged() throws Exception {
        killed(Waited.SEND, true);
    }

    /**
     * A connect a signal interrupts (EINTR, a handler without SA_RESTART), after which the thread
     * makes another connect and later frees the listener's backlog: the interrupted socket stays
     * unconnected (ENOTCONN), as natively. Before, seccheck's wait went on and connected it.
     */
    @Test
    void anInterruptedConnectIsAbandonedAsNatively() throws Exception {
        interrupted(Waited.CONNECT, CONNECT_INTERRUPTED, false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anInterruptedConnectIsAbandonedAsNativelyUnprivileged() throws Exception {
        interrupted(Waited.CONNECT, CONNECT_INTERRUPTED, true);
    }

    /**
     * A send a signal interrupts, after which the thread makes another send and later reads the
     * receiver's queue: the interrupted datagram never arrives, as natively. Before, seccheck's send
     * went on and delivered it once the queue had room.
     */
    @Test
    void anInterruptedSendIsAbandonedAsNatively() throws Exception {
        interrupted(Waited.SEND, SEND_INTERRUPTED, false);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anInterruptedSendIsAbandonedAsNativelyUnprivileged() throws Exception {
        interrupted(Waited.SEND, SEND_INTERRUPTED, true);
    }

    /** Runs the program's {@code killed} case natively and under seccheck, as the suite's user or as uid 65534. */
    private void killed(Waited call, boolean asNobody) throws Exception {
        String classpath = asNobody ? nobodyClasspath() : null;
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        String line = CALLERS + " of " + CALLERS + " killed while they waited in " + call.arg() + "\n";
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = directory(underSeccheck ? "under" : "native", asNobody);
            List<String> command = List.of(program.toString(), "killed", call.arg(), Integer.toString(CALLERS),
                    dir.toString());
            ProcessBuilder pb = asNobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, underSeccheck, command, config)
                    : PackagedCli.nativeOrUnderSeccheckProcess(dir, underSeccheck, command, config);
            GoStopRun.run(pb, tmp, dir, "ready", line, underSeccheck, (proc, before) -> {
                PackagedCli.await("no thread of seccheck's in " + call.arg() + " (" + inCall(proc, call) + " are)",
                        Duration.ofSeconds(10), () -> inCall(proc, call) == 0);
                GoStopRun.awaitThreadsBack(proc, before, SLACK, THREADS_BACK);
            });
        }
    }

    /** Runs the program's {@code eintr} case natively and under seccheck, and checks it prints {@code expected}. */
    private void interrupted(Waited call, String expected, boolean asNobody) throws Exception {
        String classpath = asNobody ? nobodyClasspath() : null;
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = directory(underSeccheck ? "under" : "native", asNobody);
            List<String> command = List.of(program.toString(), "eintr", call.arg(), dir.toString());
            PackagedCli.Result r = asNobody
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, config)
                    : PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck" : "natively") + (asNobody ? " as uid 65534: " : ": ")
                    + r.err()).isEqualTo(expected);
        }
    }

    /** The classpath uid 65534 runs seccheck from; skips the test where that user cannot run. */
    private String nobodyClasspath() throws IOException {
        PackagedCli.assumeNobody(tmp);
        return PackagedCli.nobodyClasspath();
    }

    /** A directory for one run's socket files: one uid 65534 may write in when {@code asNobody}. */
    private Path directory(String name, boolean asNobody) throws IOException {
        return asNobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
    }

    /** How many threads of the process at {@code proc} are in {@code call} now. */
    private static int inCall(Path proc, Waited call) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
            for (Path t : tasks) {
                try {
                    if (Files.readString(t.resolve("syscall")).startsWith(call.nr + " ")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // The thread ended meanwhile: it is in no call.
                }
            }
        }
        return n;
    }
}
