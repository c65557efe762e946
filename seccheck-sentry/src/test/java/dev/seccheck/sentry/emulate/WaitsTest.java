package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WaitsTest {

    private static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(Waits.REPEAT_WINDOW_MS);
    private static final long NOW = 1_000_000_000_000L;

    @Test
    void aCallTheTaskStillWaitsForGoesOnWaiting() {
        assertThat(Waits.ends(Waits.Standing.AWAITED, 0, NOW)).isFalse();
        assertThat(Waits.ends(Waits.Standing.AWAITED, NOW - 10 * WINDOW, NOW)).isFalse();
    }

    /** The thread made another call after an EINTR: no repeat will come, the wait ends at once. */
    @Test
    void aCallTheThreadMovedOnFromEndsAtOnce() {
        assertThat(Waits.ends(Waits.Standing.SUPERSEDED, 0, NOW)).isTrue();
    }

    /** A signal handler runs before the kernel repeats the call: an interrupted call is given the window. */
    @Test
    void anInterruptedCallEndsOnlyOnceNoRepeatCameWithinTheWindow() {
        assertThat(Waits.ends(Waits.Standing.INTERRUPTED, 0, NOW)).as("just seen interrupted").isFalse();
        assertThat(Waits.ends(Waits.Standing.INTERRUPTED, NOW - WINDOW + 1, NOW)).isFalse();
        assertThat(Waits.ends(Waits.Standing.INTERRUPTED, NOW - WINDOW, NOW)).isTrue();
    }
}
