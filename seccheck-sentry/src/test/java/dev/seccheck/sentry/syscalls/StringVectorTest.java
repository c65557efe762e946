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
        assertThat(StringVector.read(mem, v)).containsExactly("a", "", "ccc");
        assertThat(StringVector.read(mem, mem.vector())).isEmpty();
        assertThat(StringVector.read(mem, 0)).isEmpty();
    }

    @Test
    void vectorLongerThanOneBatchIsReadWhole() {
        List<String> want = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            want.add("arg" + i);
        }
        long v = mem.vector(want.toArray(String[]::new));
        assertThat(StringVector.read(mem, v)).isEqualTo(want);
    }

    @Test
    void vectorEndingJustBeforeAnUnmappedPageIsReadWhole() {
        long page = 0x7000_0000L;
        long first = mem.string("x");
        long second = mem.string("y");
        byte[] tail = new byte[24];
        ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).putLong(first).putLong(second).putLong(0);
        mem.put(page - 24, tail);
        assertThat(StringVector.read(mem, page - 24)).containsExactly("x", "y");
    }

    @Test
    void aVectorWithoutNullTerminatorStopsWhereMemoryEnds() {
        long v = mem.longs(mem.string("only"), mem.string("two"));
        assertThat(StringVector.read(mem, v)).containsExactly("only", "two");
    }

    @Test
    void eachElementIsCutAt128KiB() {
        long v = mem.vector("x".repeat(200_000), "next");
        List<String> got = StringVector.read(mem, v);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).hasSize(128 * 1024);
        assertThat(got.get(1)).isEqualTo("next");
    }

    @Test
    void theWholeVectorStopsBeforeExceeding2MiB() {
        String element = "e".repeat(100 * 1024 - 1);
        String[] elements = new String[25];
        Arrays.fill(elements, element);
        List<String> got = StringVector.read(mem, mem.vector(elements));
        assertThat(got).as("20 elements of 100 KiB (NUL included) fill 2000 KiB; a 21st would pass 2048 KiB")
            .hasSize(20);
    }

    @Test
    void totalLimitCountsEachElementsNul() {
        long v = mem.vector("ab", "cd", "ef");
        assertThat(StringVector.read(mem, v, 16, 9)).containsExactly("ab", "cd", "ef");
        assertThat(StringVector.read(mem, v, 16, 8)).containsExactly("ab", "cd");
        assertThat(StringVector.read(mem, v, 1, 100)).containsExactly("a", "c", "e");
    }
}
