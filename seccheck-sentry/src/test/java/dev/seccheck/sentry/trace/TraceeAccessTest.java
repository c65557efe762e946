package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.sentry.syscalls.MemoryFault;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import dev.seccheck.sentry.testing.NativeStrings;
import org.junit.jupiter.api.Test;

/**
 * Strings are read from a task through one array reused from call to call: read in chunks across
 * page ends, cut at the limit, decoded as UTF-8, and a short string after a long one is itself.
 * A page is read from the task once per stop (an exec's environment is many strings on a page),
 * and aiming the reader at the task again, as every stop does, reads it afresh.
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

    @Test
    void stringsOnOnePageAreOneReadPerStop() throws Exception {
        TraceeAccess access = new TraceeAccess();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            String[] env = new String[40];
            long off = 0;
            for (int i = 0; i < env.length; i++) {
                env[i] = "VAR" + i + "=value-" + "v".repeat(i);
                byte[] b = env[i].getBytes(StandardCharsets.UTF_8);
                MemorySegment.copy(b, 0, page, ValueLayout.JAVA_BYTE, off, b.length);
                page.set(ValueLayout.JAVA_BYTE, off + b.length, (byte) 0);
                off += b.length + 1;
            }
            TraceeAccess at = access.at(SELF);
            int before = at.pageReads();
            long addr = page.address();
            for (String e : env) {
                assertThat(at.readString(addr, 4096)).isEqualTo(e);
                addr += e.getBytes(StandardCharsets.UTF_8).length + 1;
            }
            assertThat(at.read(page.address(), 3)).containsExactly('V', 'A', 'R');
            assertThat(at.pageReads() - before).isEqualTo(1);
            // The exit's decode at the same stop reads the same page from the copy; a new stop reads it again.
            assertThat(access.stillAt(SELF).readString(page.address(), 4096)).isEqualTo(env[0]);
            assertThat(at.pageReads() - before).isEqualTo(1);
            assertThat(access.at(SELF).readString(page.address(), 4096)).isEqualTo(env[0]);
            assertThat(at.pageReads() - before).isEqualTo(2);
        }
    }

    @Test
    void aimingAgainReadsMemoryChangedSinceTheLastStop() throws Exception {
        TraceeAccess access = new TraceeAccess();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = NativeStrings.at(arena, "/etc/hosts", 100);
            assertThat(access.at(SELF).readString(s.address(), 4096)).isEqualTo("/etc/hosts");
            s.set(ValueLayout.JAVA_BYTE, 5, (byte) 'X');
            assertThat(access.at(SELF).readString(s.address(), 4096)).isEqualTo("/etc/Xosts");
            assertThat(access.at(SELF).read(s.address() + 5, 1)).containsExactly('X');
        }
    }
}
