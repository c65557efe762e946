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
 * A blocking connect seccheck performs (under a session with a connect point) waits on a thread of
 * its pool, on seccheck's copy of the program's socket: for good on a unix listener whose backlog is
 * full. Before, nothing ended that wait when the program gave up on the call: a program that killed
 * such connectors held a thread of seccheck's per connect (1,024 of them made every later call that
 * may wait fail with EAGAIN), and a connect a signal interrupted (EINTR) went on waiting, and
 * connected the program's socket behind its back once the backlog had room, where natively the
 * interrupted connect is abandoned. Now the sweeper of {@code Waits} ends such a connect with a
 * signal ({@code BlockingConnect}). The program is {@code src/test/c/blocking_connect.c}; each case
 * runs natively too, as root and as uid 65534.
 */
class AbandonedConnectsTest {

    private static final int CONNECTORS = 20;
    private static final String KILLED = CONNECTORS + " of " + CONNECTORS + " killed while they waited in connect\n";
    private static final String INTERRUPTED = "connect EINTR; next connect ENOENT; accept ok; getpeername ENOTCONN\n";
    /** Threads seccheck may have beyond those it had before the connects (a timer, the JIT's): fewer than 20. */
    private static final int SLACK = 8;
    /** Long enough for a pool thread's idle end (30 s) after its wait ended. */
    private static final Duration THREADS_BACK = Duration.ofSeconds(90);
    /** connect(2)'s number on x86-64, as /proc/PID/task/TID/syscall begins while a thread is in it. */
    private static final String CONNECT = "42";

    @TempDir
    Path tmp;

    /**
     * 20 children each wait in a connect to the program's full listener and are killed: seccheck's
     * threads in connect go back to none, and its thread count to what it was before them (before,
     * 20 threads stayed in connect for the rest of the run).
     */
    @Test
    void theWaitOfAKilledConnectorEnds() throws Exception {
        Path program = CPrograms.compile("src/test/c/blocking_connect.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            killAndWatch(PackagedCli.nativeOrUnderSeccheckProcess(dir, underSeccheck,
                    List.of(program.toString(), "killed", Integer.toString(CONNECTORS), dir.toString()), config),
                    dir, underSeccheck);
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void theWaitOfAKilledConnectorEndsUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath(tmp);
        Path program = CPrograms.compile("src/test/c/blocking_connect.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            killAndWatch(PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, underSeccheck,
                    List.of(program.toString(), "killed", Integer.toString(CONNECTORS), dir.toString()), config),
                    dir, underSeccheck);
        }
    }

    /**
     * A connect a signal interrupts (EINTR, a handler without SA_RESTART), after which the thread
     * makes another connect and later frees the listener's backlog: the interrupted socket stays
     * unconnected (ENOTCONN), as natively. Before, seccheck's wait went on and connected it.
     */
    @Test
    void anInterruptedConnectIsAbandonedAsNatively() throws Exception {
        Path program = CPrograms.compile("src/test/c/blocking_connect.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck,
                    List.of(program.toString(), "eintr", dir.toString()), config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck: " : "natively: ") + r.err()).isEqualTo(INTERRUPTED);
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anInterruptedConnectIsAbandonedAsNativelyUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath(tmp);
        Path program = CPrograms.compile("src/test/c/blocking_connect.c", tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck,
                    List.of(program.toString(), "eintr", dir.toString()), config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck as uid 65534: " : "natively as uid 65534: ") + r.err())
                    .isEqualTo(INTERRUPTED);
        }
    }

    /**
     * Starts the program, lets its children connect and be killed once seccheck's thread count is
     * known, checks what it printed and, under seccheck, that no thread of seccheck's is left in
     * connect and its thread count comes back down while the program lives; then stops it.
     */
    private void killAndWatch(ProcessBuilder pb, Path dir, boolean underSeccheck) throws Exception {
        GoStopRun.run(pb, tmp, dir, "ready", KILLED, underSeccheck, (proc, before) -> {
            PackagedCli.await("no thread of seccheck's in connect (" + inConnect(proc) + " are)",
                    Duration.ofSeconds(10), () -> inConnect(proc) == 0);
            GoStopRun.awaitThreadsBack(proc, before, SLACK, THREADS_BACK);
        });
    }

    /** How many threads of the process at {@code proc} are in connect(2) now. */
    private static int inConnect(Path proc) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
            for (Path t : tasks) {
                try {
                    if (Files.readString(t.resolve("syscall")).startsWith(CONNECT + " ")) {
                        n++;
                    }
                } catch (IOException gone) {
                    // The thread ended meanwhile: it is in no connect.
                }
            }
        }
        return n;
    }
}
