package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyscallEventTest {

    @Test
    void argCountsFromOne() {
        SyscallEvent ev = SyscallEvent.enter(1, 0, 11, 22, 33, 44, 55, 66);
        for (int i = 1; i <= 6; i++) {
            assertThat(ev.arg(i)).isEqualTo(11L * i);
        }
        assertThatThrownBy(() -> ev.arg(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("syscall argument index must be 1..6, got 0");
        assertThatThrownBy(() -> ev.arg(7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingArgumentsAreZeroAndASeventhIsRejected() {
        SyscallEvent ev = SyscallEvent.exit(1, 0, 5, 9);
        assertThat(ev.arg1()).isEqualTo(9);
        assertThat(ev.arg6()).isZero();
        assertThatThrownBy(() -> SyscallEvent.enter(1, 0, 1, 2, 3, 4, 5, 6, 7))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a syscall has at most 6 arguments, got 7");
    }

    @Test
    void errorsAreTheKernelsMinus4095ToMinus1() {
        assertThat(SyscallEvent.exit(1, 0, -1).errno()).isEqualTo(1);
        assertThat(SyscallEvent.exit(1, 0, -4095).errno()).isEqualTo(4095);
        assertThat(SyscallEvent.exit(1, 9, -4096).isError()).as("an mmap address, not an errno").isFalse();
        assertThat(SyscallEvent.exit(1, 0, 0).isError()).isFalse();
        assertThat(SyscallEvent.enter(1, 0).errno()).as("enter has no result").isZero();
        assertThat(new SyscallEvent(1, 0, 0, 0, 0, 0, 0, 0, false, -2).isError()).isFalse();
    }
}
