package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GuardedCopy places bytes right before a page nobody may read, in mappings of its own, for a
 * call that must fault where the program's memory ended ({@link SentBytes}). Unmapped on close.
 */
final class GuardedCopy implements AutoCloseable {
    private static final long PAGE = 4096;
    private static final int PROT_NONE = 0;
    private static final int PROT_READ_WRITE = 3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

    private final long base;
    private final long size;
    /** Where the bytes start; the unreadable page follows their last byte. */
    final long address;

    GuardedCopy(byte[] bytes) throws LinuxException {
        long data = (bytes.length + PAGE - 1) / PAGE * PAGE;
        size = data + PAGE;
        base = NativeCall.call(slot -> Libc.syscall(slot, Sysno.MMAP, 0L, size, PROT_NONE, MAP_PRIVATE_ANONYMOUS, -1,
                0L), NativeCall.Restart.NEVER, "mmap", () -> size + " bytes for a guarded copy");
        try {
            if (data > 0) {
                NativeCall.call(slot -> Libc.syscall(slot, Sysno.MPROTECT, base, data, PROT_READ_WRITE),
                        NativeCall.Restart.NEVER, "mprotect", () -> "a guarded copy's " + data + " bytes");
            }
        } catch (LinuxException e) {
            close();
            throw e;
        }
        address = base + data - bytes.length;
        MemorySegment.copy(bytes, 0, MemorySegment.ofAddress(address).reinterpret(bytes.length), ValueLayout.JAVA_BYTE,
                0, bytes.length);
    }

    @Override
    public void close() {
        Direct.call(Sysno.MUNMAP, base, size, 0, 0);
    }
}
