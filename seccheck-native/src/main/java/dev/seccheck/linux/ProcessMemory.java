package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * ProcessMemory reads and writes another process's memory with process_vm_readv/writev (one
 * copy, no stop needed). One instance per thread: it reuses a bounce buffer.
 */
public final class ProcessMemory {

    private static final MemoryLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("base"), ValueLayout.JAVA_LONG.withName("len"));
    private static final FunctionDescriptor RW = FunctionDescriptor.of(Libc.C_LONG,
            Libc.C_INT, Libc.C_POINTER, Libc.C_LONG, Libc.C_POINTER, Libc.C_LONG, Libc.C_LONG);
    private static final MethodHandle READV = Libc.withErrno("process_vm_readv", RW);
    private static final MethodHandle WRITEV = Libc.withErrno("process_vm_writev", RW);

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment local = arena.allocate(IOVEC);
    private final MemorySegment remote = arena.allocate(IOVEC);
    private MemorySegment buffer = arena.allocate(4096, 16);

    /**
     * Reads up to {@code len} bytes at {@code addr} of process {@code pid}; returns fewer when the
     * range runs into unmapped memory (a partial read).
     *
     * @throws LinuxException if not even the first byte is readable
     */
    public byte[] read(int pid, long addr, int len) throws LinuxException {
        ensure(len);
        long n = transfer(READV, "process_vm_readv", pid, addr, len);
        return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes {@code data} at {@code addr} of process {@code pid} (writable mappings only). */
    public void write(int pid, long addr, byte[] data) throws LinuxException {
        ensure(data.length);
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, data.length);
        long n = transfer(WRITEV, "process_vm_writev", pid, addr, data.length);
        if (n != data.length) {
            throw new LinuxException("process_vm_writev(" + pid + ", 0x" + Long.toHexString(addr) + "): short write", Errno.EFAULT);
        }
    }

    private long transfer(MethodHandle fn, String name, int pid, long addr, int len) throws LinuxException {
        local.set(ValueLayout.JAVA_LONG, 0, buffer.address());
        local.set(ValueLayout.JAVA_LONG, 8, len);
        remote.set(ValueLayout.JAVA_LONG, 0, addr);
        remote.set(ValueLayout.JAVA_LONG, 8, len);
        MemorySegment slot = Libc.errnoSlot();
        long n;
        try {
            n = (long) fn.invokeExact(slot, pid, local, 1L, remote, 1L, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (n < 0) {
            throw new LinuxException(name + "(" + pid + ", 0x" + Long.toHexString(addr) + ", " + len + ")", Libc.errno(slot));
        }
        return n;
    }

    private void ensure(int len) {
        if (buffer.byteSize() < len) {
            buffer = arena.allocate(Math.max(len, buffer.byteSize() * 2), 16);
        }
    }
}
