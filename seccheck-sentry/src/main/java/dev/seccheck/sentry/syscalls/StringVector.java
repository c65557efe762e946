package dev.seccheck.sentry.syscalls;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * StringVector reads a NULL-terminated array of string pointers (execve's argv and envp) from
 * a task, within the kernel's own limits ({@link Abi#EXEC_MAX_ELEMENT} per element, NUL included;
 * {@link Abi#EXEC_MAX_TOTAL} for argv and envp together), counted in the bytes the task holds: an
 * exec the kernel accepted is never cut, so a rule on the environment sees the {@code LD_PRELOAD=}
 * the new program gets after megabytes of padding (before, reading stopped at 2 MiB of decoded
 * text, a malformed byte counting 3, and said nothing). What is still cut (an unreadable pointer or
 * string, more than the kernel takes) is said in {@link Strings#cut}, for a rule to be decided by
 * {@code on_missing} rather than by the part read.
 */
final class StringVector {
    private StringVector() {}

    /**
     * The first read of a string asks for this many bytes, each next one for twice as many up to a
     * page: most arguments and variables are short, and a page copied per string would cost an exec
     * with a hundred variables some 400 KiB of copying.
     */
    private static final int FIRST_CHUNK = 128;
    /** At most this many pointers are fetched per read, never crossing a page boundary. */
    private static final int POINTERS_PER_READ = 64;

    /**
     * The strings read, the bytes they take in the task (each NUL included), and why they stop
     * short of the vector's end, or null when they do not.
     */
    record Strings(List<String> strings, long bytes, String cut) {
        Strings {
            strings = List.copyOf(strings);
        }
    }

    /** Reads the vector at {@code vector} within the whole of the kernel's total. */
    static Strings read(TaskMemory mem, long vector) {
        return read(mem, vector, Abi.EXEC_MAX_ELEMENT, Abi.EXEC_MAX_TOTAL);
    }

    /**
     * Reads the vector at {@code vector}: each element at most {@code maxElement} bytes with its
     * NUL, all of them at most {@code maxTotal} bytes.
     */
    static Strings read(TaskMemory mem, long vector, int maxElement, long maxTotal) {
        List<String> out = new ArrayList<>();
        if (vector == 0) {
            return new Strings(out, 0, null);
        }
        long total = 0;
        long next = vector;
        while (true) {
            long[] pointers = pointers(mem, next);
            if (pointers == null) {
                return new Strings(out, total, "element " + out.size() + "'s pointer is unreadable at 0x"
                        + Long.toHexString(next));
            }
            for (long p : pointers) {
                if (p == 0) {
                    return new Strings(out, total, null);
                }
                byte[] s;
                try {
                    s = cString(mem, p, maxElement);
                } catch (MemoryFault e) {
                    return new Strings(out, total, "element " + out.size() + " is unreadable at 0x"
                            + Long.toHexString(e.address()));
                }
                if (s == null) {
                    return new Strings(out, total, "element " + out.size() + " is longer than " + maxElement
                            + " bytes with its NUL");
                }
                if (total + s.length + 1 > maxTotal) {
                    return new Strings(out, total, "more than " + maxTotal + " bytes from element " + out.size());
                }
                total += s.length + 1;
                out.add(new String(s, StandardCharsets.UTF_8));
            }
            next += (long) pointers.length * Long.BYTES;
        }
    }

    /**
     * The bytes of the NUL-terminated string at {@code addr} without its NUL, or null when no NUL
     * comes within {@code max} bytes. Read in chunks of at most a page, as pages are readable or not
     * as a whole; a chunk that fails anyway is read a byte at a time, so that a TaskMemory with
     * finer-grained readability loses nothing.
     */
    private static byte[] cString(TaskMemory mem, long addr, int max) throws MemoryFault {
        byte[] out = new byte[0];
        int len = 0;
        int ask = FIRST_CHUNK;
        while (len < max) {
            long at = addr + len;
            int want = (int) Math.min(Math.min(Abi.PAGE_SIZE - (at & (Abi.PAGE_SIZE - 1)), max - len), ask);
            ask = Math.min(ask * 2, Abi.PAGE_SIZE);
            byte[] chunk;
            try {
                chunk = mem.read(at, want);
            } catch (MemoryFault e) {
                chunk = mem.read(at, 1);
            }
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] == 0) {
                    out = Arrays.copyOf(out, len + i);
                    System.arraycopy(chunk, 0, out, len, i);
                    return out;
                }
            }
            out = Arrays.copyOf(out, Math.max(len + chunk.length, Math.min(max, out.length * 2)));
            System.arraycopy(chunk, 0, out, len, chunk.length);
            len += chunk.length;
        }
        return null;
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
}
