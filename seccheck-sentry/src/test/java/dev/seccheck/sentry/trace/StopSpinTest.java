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
        for (int i = 0; i < 40; i++) {
            spin.waited(10_000);
        }
        assertThat(spin.budgetNs()).isEqualTo(StopSpin.MIN_NS).isLessThanOrEqualTo(StopSpin.MAX_NS);
    }

    @Test
    void itPollsForTwiceTheAverageGapWithinItsBounds() {
        StopSpin spin = new StopSpin();
        for (int i = 0; i < 200; i++) {
            spin.waited(40_000);
        }
        assertThat(spin.budgetNs()).isBetween(80_000L - 2_000, 80_000L);
        for (int i = 0; i < 200; i++) {
            spin.waited(49_000);
        }
        assertThat(spin.budgetNs()).isEqualTo(StopSpin.MAX_NS);
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
