package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While seccheck performs opens, an open that waits (a FIFO without a writer) waits on a thread
 * of seccheck's. A shell starts eight readers of eight FIFOs, then writes to each: natively every
 * reader gets its line. With four threads for every waiting call of the run, four readers held
 * them all and the writers' opens waited behind them for good. Each waiting call now has a thread
 * of its own (up to Emulator.MAX_WAITING).
 */
class WaitingOpensTest {

    private static final int READERS = 8;

    @TempDir
    Path dir;

    @Test
    void moreOpensWaitingOnFifosThanThreadsKeptAllComplete() throws Exception {
        // The writers are a subshell's: the readers' ends (SIGCHLD) go to the shell that started
        // them, not to the process opening the FIFOs (a held open cut off by a handler without
        // SA_RESTART fails with EINTR, docs/emulation.md).
        String script = "for i in $(seq " + READERS + "); do mkfifo f$i; done; "
                + "for i in $(seq " + READERS + "); do cat f$i > out$i & done; sleep 0.5; "
                + "(for i in $(seq " + READERS + "); do echo hello $i > f$i; done); wait";
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter");
        Supervised.Background run = Supervised.Background.start(r.sup,
                List.of("/bin/sh", "-c", "cd '" + dir + "' && " + script));
        int status;
        try {
            status = run.status().get(60, TimeUnit.SECONDS);
        } catch (TimeoutException deadlocked) {
            // Gives every reader still waiting a writer, so that the threads holding them go on.
            for (int i = 1; i <= READERS; i++) {
                PathCalls.close(new PathCalls().openat(Fcntl.AT_FDCWD, dir.resolve("f" + i).toString(),
                        Fcntl.O_WRONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC));
            }
            run.thread().join(TimeUnit.SECONDS.toMillis(30));
            throw new AssertionError("the readers and writers of " + READERS + " FIFOs waited on each other",
                    deadlocked);
        }
        assertThat(status).isZero();
        for (int i = 1; i <= READERS; i++) {
            assertThat(Files.readString(dir.resolve("out" + i))).isEqualTo("hello " + i + "\n");
        }
    }
}
