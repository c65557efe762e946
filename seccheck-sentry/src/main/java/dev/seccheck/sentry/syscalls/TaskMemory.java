package dev.seccheck.sentry.syscalls;

import dev.seccheck.linux.FileNames;

/**
 * TaskMemory reads the memory of the task that made the syscall. The supervisor implements it
 * (process_vm_readv); tests use a fake. Implementations need not be thread-safe: a decoder call
 * uses one from the thread that owns the tracee.
 */
public interface TaskMemory {

    /**
     * Reads exactly {@code len} bytes at {@code addr}.
     *
     * @throws MemoryFault if any byte of the range is unreadable
     */
    byte[] read(long addr, int len) throws MemoryFault;

    /**
     * Reads a NUL-terminated string starting at {@code addr}, at most {@code max} bytes (the NUL
     * excluded); a string without a NUL within {@code max} bytes is returned truncated to
     * {@code max}. Bytes are decoded as UTF-8 (malformed sequences become U+FFFD).
     *
     * @throws MemoryFault if the first byte, or a byte before the NUL, is unreadable
     */
    String readString(long addr, int max) throws MemoryFault;

    /**
     * Reads a NUL-terminated file name keeping every byte: bytes that are not UTF-8 (a Latin-1
     * {@code caf\xe9}) become the lone surrogates of {@link FileNames}, which encode back to
     * them, so a name walked or compared is the name the program gave ({@link #readString} makes
     * them U+FFFD: another name). Read a page at a time, so that a name ending before an
     * unreadable page is read whole.
     *
     * @return the name, or null when there is no NUL within {@code max} bytes (for PATH_MAX, the
     *     kernel's ENAMETOOLONG)
     * @throws MemoryFault if the first byte, or a byte before the NUL, is unreadable
     */
    default String readName(long addr, int max) throws MemoryFault {
        byte[] name = new byte[Math.min(max, PAGE)];
        int len = 0;
        while (len < max) {
            long p = addr + len;
            int want = (int) Math.min(PAGE - (p & (PAGE - 1)), max - len);
            byte[] chunk = read(p, want);
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] == 0) {
                    name = grown(name, len + i);
                    System.arraycopy(chunk, 0, name, len, i);
                    return FileNames.decode(name, 0, len + i);
                }
            }
            name = grown(name, len + want);
            System.arraycopy(chunk, 0, name, len, want);
            len += want;
        }
        return null;
    }

    /** The page size the reads of {@link #readName} keep within. */
    int PAGE = 4096;

    private static byte[] grown(byte[] b, int size) {
        return size <= b.length ? b : java.util.Arrays.copyOf(b, Math.max(size, b.length * 2));
    }

    /**
     * Why the string at {@code addr}, though readable, is not a name seccheck could verify (a file
     * on a mount seccheck does not see), or null when it is: the decoder shows it and records the
     * field as missing with this reason, so a sink that decides on it does not trust it.
     */
    default String doubt(long addr) {
        return null;
    }

    /**
     * The address of the peer of a connection seccheck accepted for the program before the
     * call's points fire (an emulated accept, decided on who connected), or null: then the
     * address is read where the kernel wrote it, at a successful call's exit.
     */
    default byte[] acceptedPeer() {
        return null;
    }
}
