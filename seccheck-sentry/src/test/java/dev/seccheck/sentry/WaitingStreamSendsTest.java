package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.emulate.HeldSendBytes;
import dev.seccheck.sentry.testing.CWorkloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a sink decides at connect, seccheck makes the program's sendmsg itself, and a send waiting
 * on a full socket holds, in seccheck, the part of the program's data it has read. Stream sends go
 * in chunks of 64 KiB read as they go: 32 sends of 1 MiB waiting on unix stream sockets whose
 * readers never read hold at most a chunk each, as read and as handed to the kernel (before, all
 * of their 1 MiB, twice: 64 MiB here, 2.9 GB for 1,024 such sends). Counted by
 * {@link HeldSendBytes}, not measured: no timing, no memory noise. The program is
 * {@code src/test/c/waiting_stream_sends.c}; every send has begun when it says so.
 */
class WaitingStreamSendsTest {

    private static final int SENDS = 32;
    private static final long CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void waitingStreamSendsHoldAChunkEachNotTheirData() throws Exception {
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/connect/enter");
        r.sink.deciding = true; // a sink that may deny connects: sendmsg is made by seccheck
        Path bin = CWorkloads.binary("waiting_stream_sends");
        Supervised.Background run = Supervised.Background.start(r.sup, List.of(bin.toString(), "" + SENDS, dir.toString()));
        long held;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(dir.resolve("waiting")) && System.nanoTime() < deadline && !run.status().isDone()) {
                Thread.sleep(20);
            }
            assertThat(dir.resolve("waiting")).as("every send began").exists();
            held = HeldSendBytes.now();
        } finally {
            Files.writeString(dir.resolve("done"), "");
        }
        assertThat(run.status().get(60, TimeUnit.SECONDS)).isZero();
        // Positive: the sends are seccheck's, waiting with a chunk in hand (none counted would pass the bound too).
        assertThat(held).as("bytes held by %d waiting sends of 1 MiB", SENDS).isPositive()
                .isLessThanOrEqualTo(SENDS * 2 * CHUNK);
        // The sends of killed senders are ended by seccheck's sweep of calls no longer awaited.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (HeldSendBytes.now() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(HeldSendBytes.now()).as("held once the sends ended").isZero();
    }
}
