package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * ProgramMemory reads an emulated call's arguments from the program once (process_vm_readv),
 * failing the way the kernel's copy would: EFAULT for unreadable memory, ENAMETOOLONG for a path
 * without a NUL in PATH_MAX bytes. One instance per emulation thread.
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

    private static final int PATH_MAX = 4096;
    private final ProcessMemory memory = new ProcessMemory();

    /** Reads a path as getname() would: at most PATH_MAX bytes with the NUL. */
    String path(int tid, long addr) throws Fault {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long p = addr;
        while (out.size() < PATH_MAX) {
            int want = (int) Math.min(4096 - (p & 4095), PATH_MAX - out.size());
            byte[] b = bytes(tid, p, want, true);
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.write(b, 0, i);
                    return out.toString(StandardCharsets.UTF_8);
                }
            }
            out.write(b, 0, b.length);
            p += b.length;
        }
        throw new Fault(Errno.ENAMETOOLONG);
    }

    /** Reads exactly {@code len} bytes, or faults with EFAULT. */
    byte[] bytes(int tid, long addr, int len) throws Fault {
        return bytes(tid, addr, len, false);
    }

    private byte[] bytes(int tid, long addr, int len, boolean partialOk) throws Fault {
        if (len == 0) {
            return new byte[0];
        }
        try {
            byte[] b = memory.read(tid, addr, len);
            if (b.length == 0 || (!partialOk && b.length != len)) {
                throw new Fault(Errno.EFAULT);
            }
            return b;
        } catch (LinuxException e) {
            throw new Fault(Errno.EFAULT);
        }
    }
}
