package dev.seccheck.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SignalTest {
    @Test
    void everySignalNameRoundTrips() {
        for (int sig = 1; sig <= Signal.SIGRTMAX; sig++) {
            assertThat(Signal.byName(Signal.name(sig))).as("signal %d", sig).isEqualTo(OptionalInt.of(sig));
        }
    }

    @Test
    void namesFollowTheKernelHeader() {
        assertThat(Signal.name(Signal.SIGKILL)).isEqualTo("SIGKILL");
        assertThat(Signal.name(9)).isEqualTo("SIGKILL");
        assertThat(Signal.name(31)).isEqualTo("SIGSYS");
        assertThat(Signal.name(35)).isEqualTo("SIGRTMIN+3");
        assertThat(Signal.name(65)).isEqualTo("signal 65");
        assertThat(Signal.name(0)).isEqualTo("signal 0");
        assertThat(Signal.byName("SIGIOT")).isEqualTo(OptionalInt.of(6));
        assertThat(Signal.byName("SIGNOPE")).isEmpty();
    }

    @Test
    void theForwardedSignalsAreThoseAProgramHandlesAndNeverOnesThatCannotBeCaught() {
        assertThat(Signal.FORWARDED).containsExactly(1, 2, 3, 15, 10, 12, 28, 18, 20, 21, 22)
                .doesNotContain(Signal.SIGKILL, Signal.SIGSTOP);
    }
}
