package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StringVectorTest {
    private final FakeMemory mem = new FakeMemory();

    @Test
    void readsUntilTheNullPointer() {
        long v = mem.vector("a", "", "ccc");
        assertThat(StringVector.read(mem, v).strings()).containsExactly("a", "", "ccc");
        assertThat(StringVector.read(mem, v).cut()).isNull();
        assertThat(StringVector.read(mem, mem.vector()).strings()).isEmpty();
        assertThat(StringVector.read(mem, 0)).isEqualTo(new StringVector.Strings(List.of(), 0, null));
    }

    @Test
    void vectorLongerThanOneBatchIsReadWhole() {
        List<String> want = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            want.add("arg" + i);
        }
        long v = mem.vector(want.toArray(String[]::new));
        assertThat(StringVector.read(mem, v).strings()).isEqualTo(want);
    }

    @Test
    void vectorEndingJustBeforeAnUnmappedPageIsReadWhole() {
        long page = 0x7000_0000L;
        long first = mem.string("x");
        long second = mem.string("y");
        byte[] tail = new byte[24];
        ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).putLong(first).putLong(second).putLong(0);
        mem.put(page - 24, tail);
        assertThat(StringVector.read(mem, page - 24).strings()).containsExactly("x", "y");
    }

    @Test
    void aVectorWithoutNullTerminatorStopsWhereMemoryEnds() {
        long v = mem.longs(mem.string("only"), mem.string("two"));
        assertThat(StringVector.read(mem, v).strings()).containsExactly("only", "two");
    }

    @Test
    void anElementLongerThanTheKernelTakesCutsTheVectorAndSaysSo() {
        long v = mem.vector("x".repeat(128 * 1024 - 1), "x".repeat(128 * 1024), "next");
        StringVector.Strings got = StringVector.read(mem, v);
        assertThat(got.strings()).as("128 KiB with its NUL is the kernel's MAX_ARG_STRLEN").hasSize(1);
        assertThat(got.strings().get(0)).hasSize(128 * 1024 - 1);
        assertThat(got.cut()).isEqualTo("element 1 is longer than 131072 bytes with its NUL");
    }

    @Test
    void sixMiBAreReadWholeAndMoreIsCut() {
        String element = "e".repeat(100 * 1024 - 1);
        String[] elements = new String[62];
        Arrays.fill(elements, element);
        StringVector.Strings whole = StringVector.read(mem, mem.vector(Arrays.copyOf(elements, 61)));
        assertThat(whole.strings()).as("61 elements of 100 KiB (NUL included) fit in 6 MiB").hasSize(61);
        assertThat(whole.cut()).isNull();
        assertThat(whole.bytes()).isEqualTo(61 * 100 * 1024L);
        StringVector.Strings cut = StringVector.read(mem, mem.vector(elements));
        assertThat(cut.strings()).hasSize(61);
        assertThat(cut.cut()).isEqualTo("more than 6291456 bytes from element 61");
    }

    @Test
    void bytesThatAreNotUtf8CountOnceEach() {
        byte[] raw = new byte[120_001];
        Arrays.fill(raw, 0, 120_000, (byte) 0xff);
        long[] p = new long[52];
        for (int i = 0; i < 51; i++) {
            p[i] = mem.alloc(raw);
        }
        p[50] = mem.string("LD_PRELOAD=/tmp/evil.so");
        StringVector.Strings got = StringVector.read(mem, mem.longs(p));
        assertThat(got.cut()).as("50 x 120,001 bytes: 5.7 MiB, within the kernel's 6; read as U+FFFD they are 17")
            .isNull();
        assertThat(got.strings()).hasSize(51).last().isEqualTo("LD_PRELOAD=/tmp/evil.so");
    }

    @Test
    void anUnreadableElementOrPointerCutsTheVectorAndSaysWhere() {
        long v = mem.longs(mem.string("a"), 0x8, 0);
        assertThat(StringVector.read(mem, v)).isEqualTo(new StringVector.Strings(List.of("a"), 2,
            "element 1 is unreadable at 0x8"));
        long noEnd = mem.longs(mem.string("only"));
        assertThat(StringVector.read(mem, noEnd).cut()).startsWith("element 1's pointer is unreadable at 0x");
    }

    @Test
    void totalLimitCountsEachElementsNul() {
        long v = mem.vector("ab", "cd", "ef");
        assertThat(StringVector.read(mem, v, 16, 9).strings()).containsExactly("ab", "cd", "ef");
        assertThat(StringVector.read(mem, v, 16, 8).strings()).containsExactly("ab", "cd");
        assertThat(StringVector.read(mem, v, 2, 100).strings()).containsExactly();
        assertThat(StringVector.read(mem, v, 3, 100).strings()).containsExactly("ab", "cd", "ef");
    }
}
