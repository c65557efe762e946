package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The tracer polls for its next stop only while stops come back quickly, for twice their average
 * gap within bounds, and blocks again soon after the program starts pausing between them.
 */
class StopSpinTest {

    @Test
    void itDoesNotPollUntilStopsHaveComeBackQuickly() {
        StopSpin spin = new StopSpin();
        assertThat(spin.budgetNs()).isZero();
        for (int i = 0; i < 200; i++) {
            spin.waited(10_000);
        }
        // Twice the average gap (10 us) is under the shortest poll, which it gets (the integer
        // average stays a few nanoseconds above the gaps it converges on).
        assertThat(spin.budgetNs()).isBetween(StopSpin.MIN_NS, StopSpin.MIN_NS + 100);
    }

    @Test
    void itPollsForTwiceTheAverageGapAndNotPastTheShortGap() {
        StopSpin spin = new StopSpin();
        for (int i = 0; i < 200; i++) {
            spin.waited(40_000);
        }
        assertThat(spin.budgetNs()).isBetween(80_000L - 2_000, 80_000L + 100);
        for (int i = 0; i < 200; i++) {
            spin.waited(49_000);
        }
        assertThat(spin.budgetNs()).isBetween(98_000L - 2_000, 2 * StopSpin.SHORT_NS);
        for (int i = 0; i < 200; i++) {
            spin.waited(51_000);
        }
        assertThat(spin.budgetNs()).isZero();
    }

    @Test
    void aPauseStopsThePollingAndQuickStopsBringItBack() {
        StopSpin spin = new StopSpin();
        for (int i = 0; i < 100; i++) {
            spin.waited(10_000);
        }
        spin.waited(5_000_000_000L); // the program slept five seconds
        assertThat(spin.budgetNs()).isZero();
        int stops = 0;
        while (spin.budgetNs() == 0) {
            spin.waited(10_000);
            stops++;
        }
        assertThat(stops).as("quick stops until it polls again").isBetween(5, 40);
    }
}
