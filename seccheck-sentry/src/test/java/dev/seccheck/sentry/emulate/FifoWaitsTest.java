package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FifoWaitsTest {

    private static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(FifoWaits.REPEAT_WINDOW_MS);
    private static final long NOW = 1_000_000_000_000L;

    @Test
    void aCallTheTaskStillWaitsForGoesOnWaiting() {
        assertThat(FifoWaits.ends(FifoWaits.Standing.AWAITED, 0, NOW)).isFalse();
        assertThat(FifoWaits.ends(FifoWaits.Standing.AWAITED, NOW - 10 * WINDOW, NOW)).isFalse();
    }

    /** The thread made another call after an EINTR: no repeat will come, the wait ends at once. */
    @Test
    void aCallTheThreadMovedOnFromEndsAtOnce() {
        assertThat(FifoWaits.ends(FifoWaits.Standing.SUPERSEDED, 0, NOW)).isTrue();
    }

    /** A signal handler runs before the kernel repeats the call: an interrupted call is given the window. */
    @Test
    void anInterruptedCallEndsOnlyOnceNoRepeatCameWithinTheWindow() {
        assertThat(FifoWaits.ends(FifoWaits.Standing.INTERRUPTED, 0, NOW)).as("just seen interrupted").isFalse();
        assertThat(FifoWaits.ends(FifoWaits.Standing.INTERRUPTED, NOW - WINDOW + 1, NOW)).isFalse();
        assertThat(FifoWaits.ends(FifoWaits.Standing.INTERRUPTED, NOW - WINDOW, NOW)).isTrue();
    }
}
