package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Reading a process's memory into the caller's array: the bytes land at the offset asked, nothing else changes. */
class ProcessMemoryTest {
    private static final int SELF = (int) ProcessHandle.current().pid();

    @Test
    void readsIntoTheCallersArrayAtItsOffset() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(300);
            for (int i = 0; i < 300; i++) {
                src.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            byte[] dst = new byte[310];
            java.util.Arrays.fill(dst, (byte) 0x55);
            int n = new ProcessMemory().read(SELF, src.address() + 10, dst, 5, 290);
            assertThat(n).isEqualTo(290);
            assertThat(dst[4]).isEqualTo((byte) 0x55);
            for (int i = 0; i < 290; i++) {
                assertThat(dst[5 + i]).isEqualTo((byte) (i + 10));
            }
            assertThat(dst[295]).isEqualTo((byte) 0x55);
        }
    }

    @Test
    void unreadableMemoryAndABadRangeFail() {
        ProcessMemory m = new ProcessMemory();
        assertThatThrownBy(() -> m.read(SELF, 0, new byte[16], 0, 16))
                .isInstanceOf(LinuxException.class).hasMessageContaining("process_vm_readv");
        assertThatThrownBy(() -> m.read(SELF, 4096, new byte[16], 8, 16)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aReadLongerThanTheBounceBufferGrowsIt() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(10_000);
            src.set(ValueLayout.JAVA_BYTE, 9_999, (byte) 7);
            byte[] dst = new byte[10_000];
            assertThat(new ProcessMemory().read(SELF, src.address(), dst, 0, 10_000)).isEqualTo(10_000);
            assertThat(dst[9_999]).isEqualTo((byte) 7);
        }
    }
}
