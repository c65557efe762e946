package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link UserRanges}: the kernel's access_ok and MAX_RW_COUNT on x86-64. */
class UserRangesTest {

    @Test
    void onlyRangesBelowTheTopOfUserMemoryAreTheProgramsAsAccessOkSays() {
        assertThat(UserRanges.inUserRange(0, 1)).isTrue();
        assertThat(UserRanges.inUserRange(0x7fff_0000_0000L, 4096)).isTrue();
        assertThat(UserRanges.inUserRange(-1L, 0)).isFalse();
        assertThat(UserRanges.inUserRange(0xffff_8000_0000_1000L, 1)).isFalse();
        assertThat(UserRanges.inUserRange(0x7fff_ffff_e000L, 1L << 40)).isFalse();
        assertThat(UserRanges.inUserRange(4096, Long.MAX_VALUE)).isFalse(); // wraps
    }

    @Test
    void aLengthPastTheMostOneCallMovesIsCutToIt() {
        assertThat(UserRanges.rwCount(10)).isEqualTo(10);
        assertThat(UserRanges.rwCount(-1)).isEqualTo(UserRanges.MAX_RW_COUNT);
        assertThat(UserRanges.MAX_RW_COUNT).isEqualTo(0x7ffff000L);
    }
}
