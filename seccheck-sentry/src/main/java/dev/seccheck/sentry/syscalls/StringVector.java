package dev.seccheck.sentry.syscalls;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * StringVector reads a NULL-terminated array of string pointers (execve's argv and envp) from
 * a task, within gVisor's limits: each element at most 128 KiB, all of them at most 2 MiB
 * counting each element's NUL. Reading stops cleanly at a limit or at an unreadable pointer,
 * keeping the elements read so far.
 */
final class StringVector {
    private StringVector() {}

    /** At most this many pointers are fetched per read, never crossing a page boundary. */
    private static final int POINTERS_PER_READ = 64;

    static List<String> read(TaskMemory mem, long vector) {
        return read(mem, vector, Abi.EXEC_MAX_ELEMENT, Abi.EXEC_MAX_TOTAL);
    }

    static List<String> read(TaskMemory mem, long vector, int maxElement, int maxTotal) {
        List<String> out = new ArrayList<>();
        if (vector == 0) {
            return out;
        }
        long total = 0;
        long next = vector;
        while (true) {
            long[] pointers = pointers(mem, next);
            if (pointers == null) {
                return out;
            }
            for (long p : pointers) {
                if (p == 0) {
                    return out;
                }
                String s;
                try {
                    s = mem.readString(p, maxElement);
                } catch (MemoryFault e) {
                    return out;
                }
                total += utf8Length(s) + 1;
                if (total > maxTotal) {
                    return out;
                }
                out.add(s);
            }
            next += (long) pointers.length * Long.BYTES;
        }
    }

    /**
     * Up to {@link #POINTERS_PER_READ} pointers starting at {@code addr}, stopping at the end of
     * its page: within a page, memory is readable or not as a whole, so this batch fails only
     * if the vector itself does. Should it fail anyway, one pointer is tried alone, so that a
     * TaskMemory with finer-grained readability loses nothing.
     */
    private static long[] pointers(TaskMemory mem, long addr) {
        long toPageEnd = Abi.PAGE_SIZE - (addr & (Abi.PAGE_SIZE - 1));
        int count = (int) Math.max(1, Math.min(POINTERS_PER_READ, toPageEnd / Long.BYTES));
        byte[] bytes;
        try {
            bytes = mem.read(addr, count * Long.BYTES);
        } catch (MemoryFault batchFault) {
            if (count == 1) {
                return null;
            }
            try {
                bytes = mem.read(addr, Long.BYTES);
            } catch (MemoryFault e) {
                return null;
            }
        }
        long[] out = new long[bytes.length / Long.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /**
     * The string's length in UTF-8. A malformed byte read from the task came back as U+FFFD and
     * counts 3 here, so the total can only err towards stopping early, never past the limit.
     */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n += 1;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
