package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.sentry.syscalls.MemoryFault;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import dev.seccheck.sentry.testing.NativeStrings;
import org.junit.jupiter.api.Test;

/**
 * Strings are read from a task through one array reused from call to call: read in chunks across
 * page ends, cut at the limit, decoded as UTF-8, and a short string after a long one is itself.
 */
class TraceeAccessTest {
    private static final int SELF = (int) ProcessHandle.current().pid();

    private static long cString(Arena arena, String s, long offsetInPage) {
        return NativeStrings.at(arena, s, offsetInPage).address();
    }

    @Test
    void longShortCutAndUtf8Strings() throws Exception {
        TraceeAccess at = new TraceeAccess().at(SELF);
        try (Arena arena = Arena.ofConfined()) {
            String big = "x".repeat(9000) + "ü";
            assertThat(at.readString(cString(arena, big, 4000), 20_000)).isEqualTo(big);
            assertThat(at.readString(cString(arena, "/etc/hostname", 4090), 4096)).isEqualTo("/etc/hostname");
            assertThat(at.readString(cString(arena, "abcdef", 0), 4)).isEqualTo("abcd");
            assertThat(at.readString(cString(arena, "", 0), 4096)).isEmpty();
        }
    }

    @Test
    void anUnreadableStringIsAFaultAtItsAddress() {
        TraceeAccess at = new TraceeAccess().at(SELF);
        assertThatThrownBy(() -> at.readString(16, 4096))
                .isInstanceOfSatisfying(MemoryFault.class, f -> {
                    assertThat(f.address()).isEqualTo(16);
                    assertThat(f.reason()).isEqualTo("EFAULT");
                });
    }
}
