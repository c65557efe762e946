package dev.seccheck.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open of a FIFO that a signal interrupts (EINTR: a handler without SA_RESTART) while seccheck
 * performs it on a thread of its pool, after which the program makes another call, left that
 * thread waiting for the FIFO's writer as long as the task lived: a program that did so 1,040 times
 * made every later call that may wait fail with EAGAIN, with seccheck at 1,042 threads. Now a wait
 * whose call is no longer awaited is ended ({@code Waits}), and the pool's threads end when
 * idle. The program ({@code src/test/c/fifo_eintr.c}): {@value #OPENS} such opens, each a different
 * call from the one before, then two opens that must work; it lives on until told to stop, while
 * the test reads seccheck's thread count from {@code /proc/PID/status}.
 */
class InterruptedFifoOpensTest {

    private static final int OPENS = 200;
    private static final String EXPECTED = "EINTR " + OPENS + " of " + OPENS + "; fifo O_RDWR ok; /dev/null ok\n";
    /**
     * Threads seccheck may have beyond those it had before the opens (a sweeper, a timer, the JIT's):
     * far fewer than the {@value #OPENS} that stayed before.
     */
    private static final int SLACK = 16;
    /** Long enough for a pool thread's idle end (10 s) after its wait ended, on a loaded machine. */
    private static final Duration THREADS_BACK = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void interruptedOpensLeaveNoThreadWaiting() throws Exception {
        Path program = CPrograms.compile("src/test/c/fifo_eintr.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            runAndWatch(PackagedCli.nativeOrUnderSeccheckProcess(dir, underSeccheck,
                    List.of(program.toString(), Integer.toString(OPENS), dir.toString())), dir, underSeccheck);
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void interruptedOpensLeaveNoThreadWaitingUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/fifo_eintr.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            runAndWatch(PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, underSeccheck,
                    List.of(program.toString(), Integer.toString(OPENS), dir.toString())), dir, underSeccheck);
        }
    }

    /**
     * Starts the program, lets it make its opens once seccheck's thread count is known, checks what
     * it printed and, under seccheck, that the thread count comes back down while the task lives;
     * then stops it.
     */
    private void runAndWatch(ProcessBuilder pb, Path dir, boolean underSeccheck) throws Exception {
        GoStopRun.run(pb, tmp, dir, "fifo.b", EXPECTED, underSeccheck,
                (proc, before) -> GoStopRun.awaitThreadsBack(proc, before, SLACK, THREADS_BACK));
    }
}
