package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.FileNames;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskMemory#readName}: a file name read from a task keeps every byte, is read a page at a
 * time (a name ending before an unreadable page is whole), and one without a NUL within the limit
 * is none. Memory here is whole pages, as a task's is readable or not page by page.
 */
class TaskMemoryNamesTest {

    private static final int PAGE = 4096;

    /** A page at {@code addr} holding {@code name} and its NUL at {@code offset}, zeros elsewhere. */
    private static void page(FakeMemory mem, long addr, int offset, byte[] name) {
        byte[] page = new byte[PAGE];
        System.arraycopy(name, 0, page, offset, Math.min(name.length, PAGE - offset));
        mem.put(addr, page);
    }

    @Test
    void aNameThatIsNotUtf8IsReadByteForByte() throws Exception {
        FakeMemory mem = new FakeMemory();
        byte[] latin1 = {'d', (byte) 0xe9, '/', (byte) 0xff, 'x'};
        page(mem, 0x10_0000, 0, latin1);

        String name = mem.readName(0x10_0000, 4096);

        assertThat(FileNames.encode(name)).containsExactly(latin1);
        assertThat(mem.readString(0x10_0000, 4096)).as("the decoded text, another name").isEqualTo("d\uFFFD/\uFFFDx");
    }

    @Test
    void aNameEndingRightBeforeAnUnreadablePageIsReadWhole() throws Exception {
        FakeMemory mem = new FakeMemory();
        byte[] tail = new byte[100];
        Arrays.fill(tail, (byte) 'a');
        page(mem, 0x20_0000, PAGE - 101, tail); // its NUL is the page's last byte; 0x20_1000 is unmapped

        assertThat(mem.readName(0x20_0000 + PAGE - 101, 4096)).isEqualTo("a".repeat(100));
    }

    @Test
    void aNameAcrossTwoPagesIsJoined() throws Exception {
        FakeMemory mem = new FakeMemory();
        byte[] first = new byte[10];
        Arrays.fill(first, (byte) 'b');
        byte[] page = new byte[PAGE];
        System.arraycopy(first, 0, page, PAGE - 10, 10);
        mem.put(0x30_0000, page);
        page(mem, 0x30_0000 + PAGE, 0, new byte[] {'c', (byte) 0xe9});

        assertThat(FileNames.encode(mem.readName(0x30_0000 + PAGE - 10, 4096)))
                .containsExactly("bbbbbbbbbbc\u00e9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void aNameWithoutANulWithinTheLimitIsNone() throws Exception {
        FakeMemory mem = new FakeMemory();
        byte[] full = new byte[PAGE];
        Arrays.fill(full, (byte) 'z');
        mem.put(0x40_0000, full);
        mem.put(0x40_0000 + PAGE, full);

        assertThat(mem.readName(0x40_0000, 4096)).isNull();
        assertThat(mem.readName(0x40_0000, 100)).isNull();
    }

    @Test
    void aNameRunningIntoUnreadableMemoryFaults() {
        FakeMemory mem = new FakeMemory();
        byte[] full = new byte[PAGE];
        Arrays.fill(full, (byte) 'z');
        mem.put(0x50_0000, full);

        assertThatThrownBy(() -> mem.readName(0x50_0000 + 10, 8192)).isInstanceOf(MemoryFault.class);
        assertThatThrownBy(() -> mem.readName(0x60_0000, 8192)).isInstanceOf(MemoryFault.class);
    }
}
