package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A look the tracer stopped waiting for is interrupted. One that computes (a hash of a large file
 * on a memfd, which is no local mount) ends there: it no longer spends a CPU to the end of a file
 * the program made as long as it liked, and its helper serves the next looks, which are not given
 * up as if helpers were stuck. One in a wait that ignores interruption still counts as stuck.
 */
class FileLooksTest {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final FileLooks looks = new FileLooks(lines::add);

    @AfterEach
    void close() {
        looks.close();
    }

    /** A look that computes until it is interrupted, counting the looks still running in {@code running}. */
    private static Optional<Integer> computeUntilInterrupted(FileLooks looks, AtomicInteger running) {
        return looks.lookElsewhere(1, () -> {
            running.incrementAndGet();
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
                return 0;
            } finally {
                running.decrementAndGet();
            }
        });
    }

    @Test
    void aLookThatComputesIsInterruptedWhenTheTracerStopsWaitingAndItsHelperServesOn() throws Exception {
        AtomicInteger running = new AtomicInteger();
        for (int i = 0; i < FileLooks.MAX_STUCK + 2; i++) {
            assertThat(computeUntilInterrupted(looks, running)).as("given up after the bound").isEmpty();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (running.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(running.get()).as("looks still computing after the tracer gave them up").isZero();
        assertThat(looks.lookElsewhere(1, () -> 42)).as("looks are still made: no helper was stuck").contains(42);
        assertThat(lines).as("each give-up is said").hasSize(FileLooks.MAX_STUCK + 2)
                .noneMatch(l -> l.contains("not looked at"));
    }

    @Test
    void aLookInAWaitThatIgnoresInterruptionStillCountsAsStuck() throws Exception {
        Object never = new Object();
        AtomicInteger released = new AtomicInteger();
        for (int i = 0; i < FileLooks.MAX_STUCK; i++) {
            assertThat(looks.lookElsewhere(1, () -> {
                // Stands for a read its FUSE server never answers: interruption does not end it.
                long until = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < until && released.get() == 0) {
                    Thread.onSpinWait();
                }
                return never.hashCode();
            })).isEmpty();
        }
        assertThat(looks.lookElsewhere(1, () -> 42)).as("given up altogether past the bound").isEmpty();
        assertThat(lines.getLast()).contains("from now on files on such filesystems are not looked at");
        released.set(1);
    }
}
