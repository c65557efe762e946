package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.SentBytes;
import dev.seccheck.sentry.syscalls.UserRanges;

/**
 * ProgramMemory reads an emulated call's arguments from the program once (process_vm_readv),
 * failing the way the kernel's copy would: EFAULT for unreadable memory, ENAMETOOLONG for a path
 * without a NUL in PATH_MAX bytes; and writes what a call returns through memory (an accepted
 * peer's address). One instance per emulation thread.
 */
final class ProgramMemory {

    /** An argument the kernel would have refused to copy; {@code errno} is what the call returns. */
    static final class Fault extends Exception {
        final int errno;

        Fault(int errno) {
            super(null, null, false, false);
            this.errno = errno;
        }
    }

    private final ProcessMemory memory = new ProcessMemory();
    /** The path being read, reused from call to call: a path per emulated open allocates only its String. */
    private final byte[] path = new byte[Fcntl.PATH_MAX];

    /** Reads a path as getname() would: at most PATH_MAX bytes with the NUL; every byte kept ({@link FileNames}). */
    String path(int tid, long addr) throws Fault {
        int len = 0;
        while (len < Fcntl.PATH_MAX) {
            long p = addr + len;
            int want = (int) Math.min(4096 - (p & 4095), Fcntl.PATH_MAX - len);
            int got;
            try {
                got = memory.read(tid, p, path, len, want);
            } catch (LinuxException e) {
                throw new Fault(Errno.EFAULT);
            }
            for (int i = len; i < len + got; i++) {
                if (path[i] == 0) {
                    return FileNames.decode(path, 0, i);
                }
            }
            if (got < want) {
                throw new Fault(Errno.EFAULT);
            }
            len += got;
        }
        throw new Fault(Errno.ENAMETOOLONG);
    }

    /**
     * Writes {@code data} at {@code addr} as the kernel's copy to the program would (a writable
     * mapping only), or faults with EFAULT.
     */
    void write(int tid, long addr, byte[] data) throws Fault {
        try {
            memory.write(tid, addr, data);
        } catch (LinuxException e) {
            throw new Fault(Errno.EFAULT);
        }
    }

    /**
     * Reads the data of a send: up to {@code max} of the {@code len} bytes at {@code addr}, as far
     * as the program's memory goes. Where it ends first, the result keeps the program's length
     * (cut to {@link UserRanges#MAX_RW_COUNT}), so that the kernel's copy fails at that byte
     * ({@link SentBytes}); a send longer than {@code max} is cut to {@code max}.
     */
    SentBytes sent(int tid, long addr, long len, int max) {
        long count = UserRanges.rwCount(len);
        int want = (int) Math.min(count, max);
        byte[] got = new byte[0];
        if (want > 0) {
            try {
                got = memory.read(tid, addr, want);
            } catch (LinuxException e) {
                // not even the first byte: the kernel's copy fails at once
            }
        }
        if (got.length == want) {
            return SentBytes.of(got);
        }
        return new SentBytes(got, count);
    }

    /** Reads exactly {@code len} bytes, or faults with EFAULT. */
    byte[] bytes(int tid, long addr, int len) throws Fault {
        if (len == 0) {
            return new byte[0];
        }
        try {
            byte[] b = memory.read(tid, addr, len);
            if (b.length != len) {
                throw new Fault(Errno.EFAULT);
            }
            return b;
        } catch (LinuxException e) {
            throw new Fault(Errno.EFAULT);
        }
    }
}
