package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceptLoopTest {
    @TempDir
    Path dir;

    @Test
    void handsEachConnectionOverAndEndsWhenClosingAndShutDown() throws Exception {
        Path path = dir.resolve("s");
        AtomicBoolean closing = new AtomicBoolean();
        List<UnixSeqpacket> accepted = new CopyOnWriteArrayList<>();
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            Thread loop = Thread.ofPlatform().start(() -> AcceptLoop.run(listener, closing::get, accepted::add));
            try (UnixSeqpacket a = UnixSeqpacket.connect(path); UnixSeqpacket b = UnixSeqpacket.connect(path)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (accepted.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(accepted).hasSize(2);
            }
            closing.set(true);
            listener.shutdown();
            loop.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(loop.isAlive()).as("loop still running after close").isFalse();
        } finally {
            accepted.forEach(UnixSeqpacket::close);
        }
    }

    /** accept on a socket that is not listening fails (EINVAL) every time, like EMFILE would. */
    @Test
    void aFailingAcceptIsRetriedAfterAPauseNotInASpin() throws Exception {
        Path path = dir.resolve("s");
        AtomicLong checks = new AtomicLong();
        // The 200 ms start at the loop's first check, so JVM start-up work does not eat them.
        AtomicLong stopAt = new AtomicLong();
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket notListening = UnixSeqpacket.connect(path)) {
            Thread loop = Thread.ofPlatform().start(() -> AcceptLoop.run(notListening,
                    () -> {
                        if (checks.incrementAndGet() == 1) {
                            stopAt.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
                        }
                        return System.nanoTime() > stopAt.get();
                    }, c -> c.close()));
            loop.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(loop.isAlive()).as("loop still running after its deadline").isFalse();
            // Two checks per failed accept, one failure per 10 ms pause: about 40 in 200 ms; a spin does millions.
            assertThat(checks.get()).isBetween(3L, 200L);
        }
    }
}
