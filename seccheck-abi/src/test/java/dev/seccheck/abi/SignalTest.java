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
        assertThat(Signal.FORWARDED).startsWith(1, 2, 3, 15, 10, 12, 28, 18, 20, 21, 22, 5, 6, 14, 16, 24, 26, 27, 29, 30, 31)
                .contains(34, 39, 41, 61, 63, 64)
                .doesNotContain(Signal.SIGKILL, Signal.SIGSTOP)
                // HotSpot's own (faults, broken pipes, file size), the ignored ones, glibc's two
                .doesNotContain(4, 7, 8, 11, 13, 25, 17, 23, 32, 33)
                // seccheck's own interrupt and the JDK's NIO wake-up signal
                .doesNotContain(Signal.SECCHECK_INTERRUPT, Signal.JDK_NIO_INTERRUPT, 40, 62)
                .hasSize(21 + 29);
    }
}
