package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceptLoopTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(end);
            Thread.sleep(1);
        }
    }

    @Test
    void handsEachConnectionOverAndStopWakesTheAcceptAndTheServedConnections() throws Exception {
        Path path = dir.resolve("s");
        List<UnixSeqpacket> accepted = new CopyOnWriteArrayList<>();
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket _ = UnixSeqpacket.connect(path);
                UnixSeqpacket _ = UnixSeqpacket.connect(path)) {
            AcceptLoop[] loop = new AcceptLoop[1];
            // Assigned before the thread starts: the handler reads loop[0] as soon as a connection is accepted.
            loop[0] = new AcceptLoop(listener, "accept-test", c -> {
                accepted.add(c);
                loop[0].serving(c);
            });
            loop[0].start();
            await(() -> accepted.size() == 2, "two connections handed over");
            loop[0].served(accepted.get(1));
            assertThat(loop[0].stop()).isTrue();
            assertThat(loop[0].stop()).as("a second stop").isFalse();
            assertThat(loop[0].join(DEADLINE)).as("accepting thread ended").isTrue();
            // The served connection was shut down, so its reader sees the end instead of blocking.
            assertThat(accepted.get(0).receive(new byte[8])).isEqualTo(UnixSeqpacket.EOF);
        } finally {
            accepted.forEach(UnixSeqpacket::close);
        }
    }

    /** accept on a socket that is not listening fails (EINVAL) every time, as EMFILE would. */
    @Test
    void aFailingAcceptIsRetriedAfterAPauseNotInASpin() throws Exception {
        Path path = dir.resolve("s");
        try (UnixSeqpacket _ = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket notListening = UnixSeqpacket.connect(path)) {
            AcceptLoop loop = new AcceptLoop(notListening, "accept-test", UnixSeqpacket::close).start();
            try {
                await(() -> loop.failedAccepts() > 0, "a failed accept");
                long first = loop.failedAccepts();
                Thread.sleep(200);
                // One failure per 10 ms pause: about 20 in 200 ms (fewer on a busy machine); a spin does thousands.
                assertThat(loop.failedAccepts() - first).isLessThanOrEqualTo(60);
            } finally {
                loop.stop();
                assertThat(loop.join(DEADLINE)).as("accepting thread ended").isTrue();
            }
        }
    }
}
