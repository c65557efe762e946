package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.sentry.syscalls.UserRanges;
import dev.seccheck.sentry.testing.NativeStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * A path is read as the kernel's getname() would, through one reused array: across page ends, up
 * to PATH_MAX with its NUL, EFAULT for unreadable memory, and a short path read after a long one
 * carries nothing of it. A send's data is read as far as it goes, keeping the program's length; a
 * range is the program's as the kernel's access_ok says.
 */
class ProgramMemoryTest {
    private static final int SELF = (int) ProcessHandle.current().pid();

    private static MemorySegment cString(Arena arena, String s, long align) {
        return NativeStrings.at(arena, s, align);
    }

    @Test
    void pathsAcrossAPageEndAndShortAfterLong() throws Exception {
        ProgramMemory m = new ProgramMemory();
        try (Arena arena = Arena.ofConfined()) {
            String longPath = "/" + "d/".repeat(1500) + "é.txt";
            assertThat(m.path(SELF, cString(arena, longPath, 4000).address())).isEqualTo(longPath);
            assertThat(m.path(SELF, cString(arena, "/etc/hostname", 4090).address())).isEqualTo("/etc/hostname");
            assertThat(m.path(SELF, cString(arena, "", 0).address())).isEmpty();
        }
    }

    @Test
    void noNulInPathMaxBytesIsTooLongAndUnreadableIsAFault() {
        ProgramMemory m = new ProgramMemory();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment full = cString(arena, "a".repeat(4096), 0);
            assertThatThrownBy(() -> m.path(SELF, full.address()))
                    .isInstanceOfSatisfying(ProgramMemory.Fault.class, f -> assertThat(f.errno).isEqualTo(Errno.ENAMETOOLONG));
            MemorySegment justFits = cString(arena, "b".repeat(4095), 0);
            assertThat(catchPath(m, justFits.address())).hasSize(4095);
        }
        assertThatThrownBy(() -> m.path(SELF, 0))
                .isInstanceOfSatisfying(ProgramMemory.Fault.class, f -> assertThat(f.errno).isEqualTo(Errno.EFAULT));
    }

    @Test
    void aSendsDataEndsWhereTheProgramsMemoryDoesKeepingItsLength() {
        ProgramMemory m = new ProgramMemory();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = cString(arena, "payload", 0);
            var whole = m.sent(SELF, data.address(), 7, 1 << 20);
            assertThat(whole.endsEarly()).isFalse();
            assertThat(new String(whole.readable())).isEqualTo("payload");
            var cut = m.sent(SELF, data.address(), 3, 1 << 20);
            assertThat(new String(cut.readable())).isEqualTo("pay");
        }
        // Nothing readable: no byte, and the length the program gave, for the kernel to fault on.
        var none = m.sent(SELF, 8, 100, 1 << 20);
        assertThat(none.readable()).isEmpty();
        assertThat(none.length()).isEqualTo(100);
        assertThat(m.sent(SELF, 8, -1, 1 << 20).length()).isEqualTo(UserRanges.MAX_RW_COUNT);
    }

    private static String catchPath(ProgramMemory m, long addr) {
        try {
            return m.path(SELF, addr);
        } catch (ProgramMemory.Fault f) {
            throw new AssertionError("errno " + f.errno);
        }
    }
}
