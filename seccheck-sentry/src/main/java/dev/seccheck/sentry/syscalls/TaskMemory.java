package dev.seccheck.sentry.syscalls;

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
