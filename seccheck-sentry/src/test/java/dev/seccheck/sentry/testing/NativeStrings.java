package dev.seccheck.sentry.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** NativeStrings places C strings in this process's memory where a test wants them, for readers of a task's memory. */
public final class NativeStrings {
    private NativeStrings() {}

    /** Returns {@code s} as UTF-8 with its NUL, starting {@code offsetInPage} bytes into a fresh page of {@code arena}. */
    public static MemorySegment at(Arena arena, String s, long offsetInPage) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment seg = arena.allocate(b.length + 1L + offsetInPage, 4096).asSlice(offsetInPage);
        MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, b.length);
        seg.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
        return seg;
    }
}
