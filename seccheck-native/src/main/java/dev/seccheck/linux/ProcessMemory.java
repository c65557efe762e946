package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ProcessMemory reads and writes another process's memory with process_vm_readv/writev (one
 * copy, no stop needed). One instance per thread: it reuses a bounce buffer.
 */
public final class ProcessMemory {

    /**
     * What each thread's transfer in progress reads or writes, and when it began (System.nanoTime;
     * 0 while it has none). A transfer of a page that a filesystem has to supply (a shared mapping
     * of a FUSE file) waits on that filesystem's server, which may be the supervised program
     * itself, and cannot be interrupted: {@link #longestTransfer} lets a watchdog see such a wait,
     * and where it waits.
     */
    private static final List<InFlight> IN_FLIGHT = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<InFlight> MINE = ThreadLocal.withInitial(() -> {
        InFlight f = new InFlight();
        IN_FLIGHT.add(f);
        return f;
    });

    /**
     * One thread's transfer. Its owner writes the pid and address, then the start (a volatile
     * write, which publishes them); a reader reads the start, then them, then the start again,
     * and keeps them only when the start did not change (the owner's next transfer may be
     * overwriting them): a seqlock whose sequence is the start. The owner pays two plain stores.
     */
    private static final class InFlight {
        final AtomicLong start = new AtomicLong();
        int pid;
        long address;
    }

    /**
     * A transfer in progress: the process whose memory it reads or writes, the address it began
     * at, and how long it has been going.
     */
    public record Transfer(int pid, long address, long nanos) {}

    /** Creates a reader/writer for the calling thread (it reuses its buffers). */
    public ProcessMemory() {}

    /** How long the oldest transfer still in progress, on any thread, has been going (0 for none). */
    public static long longestTransferNanos() {
        Transfer t = longestTransfer();
        return t == null ? 0 : t.nanos();
    }

    /** The oldest transfer still in progress, on any thread, or null when there is none. */
    public static Transfer longestTransfer() {
        long now = System.nanoTime();
        Transfer longest = null;
        for (InFlight f : IN_FLIGHT) {
            long began = f.start.get();
            if (began == 0) {
                continue;
            }
            int pid = f.pid;
            long address = f.address;
            VarHandle.loadLoadFence();
            if (f.start.get() != began) {
                continue; // that transfer ended meanwhile: a newer one is not the oldest
            }
            if (longest == null || now - began > longest.nanos()) {
                longest = new Transfer(pid, address, now - began);
            }
        }
        return longest;
    }

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment local = arena.allocate(Layouts.IOVEC);
    private final MemorySegment remote = arena.allocate(Layouts.IOVEC);
    private MemorySegment buffer = arena.allocate(4096, 16);
    /**
     * The largest bounce buffer a thread keeps: a larger read goes through one of its own, freed
     * when it returns. Kept, a 1 MiB send's buffer stayed with each of up to 1,024 threads that
     * sends waited on (red-team round 16: about 3.4 MB of seccheck's memory per waiting send).
     */
    private static final int KEPT = 64 * 1024;

    /**
     * Reads up to {@code len} bytes at {@code addr} of process {@code pid}; returns fewer when the
     * range runs into unmapped memory (a partial read).
     *
     * @throws LinuxException if not even the first byte is readable
     */
    public byte[] read(int pid, long addr, int len) throws LinuxException {
        if (len > KEPT) {
            try (Arena once = Arena.ofConfined()) {
                MemorySegment big = once.allocate(len, 16);
                long n = transfer(Sysno.PROCESS_VM_READV, "process_vm_readv", pid, addr, len, big);
                return big.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        ensure(len);
        long n = transfer(Sysno.PROCESS_VM_READV, "process_vm_readv", pid, addr, len, buffer);
        return buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Reads up to {@code len} bytes at {@code addr} of process {@code pid} into {@code dst} at
     * {@code off}; returns how many were read, fewer when the range runs into unmapped memory.
     * Allocates nothing: the hot readers (paths, strings) keep one destination array per thread.
     *
     * @throws LinuxException if not even the first byte is readable
     */
    public int read(int pid, long addr, byte[] dst, int off, int len) throws LinuxException {
        Objects.checkFromIndexSize(off, len, dst.length);
        ensure(len);
        int n = (int) transfer(Sysno.PROCESS_VM_READV, "process_vm_readv", pid, addr, len, buffer);
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, dst, off, n);
        return n;
    }

    /** Writes {@code data} at {@code addr} of process {@code pid} (writable mappings only). */
    public void write(int pid, long addr, byte[] data) throws LinuxException {
        if (data.length > KEPT) {
            try (Arena once = Arena.ofConfined()) {
                writeThrough(pid, addr, data, once.allocate(data.length, 16));
            }
        } else {
            ensure(data.length);
            writeThrough(pid, addr, data, buffer);
        }
    }

    private void writeThrough(int pid, long addr, byte[] data, MemorySegment through) throws LinuxException {
        MemorySegment.copy(data, 0, through, ValueLayout.JAVA_BYTE, 0, data.length);
        long n = transfer(Sysno.PROCESS_VM_WRITEV, "process_vm_writev", pid, addr, data.length, through);
        if (n != data.length) {
            throw new LinuxException("process_vm_writev(" + pid + ", 0x" + Long.toHexString(addr) + "): short write", Errno.EFAULT);
        }
    }

    private long transfer(int nr, String name, int pid, long addr, int len, MemorySegment through)
            throws LinuxException {
        Layouts.IOV_BASE.set(local, through);
        Layouts.IOV_LEN.set(local, (long) len);
        Layouts.IOV_BASE.set(remote, MemorySegment.ofAddress(addr));
        Layouts.IOV_LEN.set(remote, (long) len);
        InFlight mine = MINE.get();
        mine.pid = pid;
        mine.address = addr;
        long now = System.nanoTime();
        mine.start.set(now == 0 ? 1 : now); // 0 means no transfer; the volatile write publishes pid and address
        try {
            // The remote address is the tracee's, not ours: it only travels to the kernel as a number.
            return NativeCall.call(slot -> Libc.syscall(slot, nr, pid, local.address(), 1L, remote.address(), 1L, 0L),
                    NativeCall.Restart.ON_EINTR, name, () -> pid + ", 0x" + Long.toHexString(addr) + ", " + len);
        } finally {
            mine.start.set(0);
        }
    }

    private void ensure(int len) {
        if (buffer.byteSize() < len) {
            buffer = arena.allocate(Math.max(len, buffer.byteSize() * 2), 16);
        }
    }
}
