package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How many calls may wait on seccheck's threads follows its descriptor limit
 * ({@link Emulator#waitingRoom}): each holds a few descriptors, and at 1,024 under every limit a
 * program with 1,000 sends waiting kept a table of 2,048 full (red-team round 16).
 */
class WaitingRoomTest {

    @Test
    void aSixteenthOfTheLimitWithinItsBounds() {
        assertThat(Emulator.waitingRoom(20_000)).isEqualTo(1024);
        assertThat(Emulator.waitingRoom(4096)).isEqualTo(256);
        assertThat(Emulator.waitingRoom(2048)).isEqualTo(128);
        assertThat(Emulator.waitingRoom(256)).as("the least").isEqualTo(64);
        assertThat(Emulator.waitingRoom(-22)).as("unknown").isEqualTo(64);
        assertThat(Emulator.waitingRoom(1L << 20)).as("the most").isEqualTo(1024);
    }
}
