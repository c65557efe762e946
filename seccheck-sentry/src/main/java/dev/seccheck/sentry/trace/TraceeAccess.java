package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Procfs;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * TraceeAccess reads one task's memory (process_vm_readv) and file descriptors (/proc) for the
 * syscall decoder. One instance per supervisor thread, re-aimed at each task with {@link #at}.
 */
final class TraceeAccess implements TaskMemory, FdPaths {

    private static final int CHUNK = 256;
    private static final int PAGE = 4096;

    private final ProcessMemory memory = new ProcessMemory();
    /**
     * The bytes of the string being read, reused from call to call (a path per syscall): grown to
     * the longest string read, never shrunk.
     */
    private byte[] text = new byte[PAGE];
    private int tid;

    TraceeAccess at(int taskId) {
        this.tid = taskId;
        return this;
    }

    @Override
    public byte[] read(long addr, int len) throws MemoryFault {
        if (len == 0) {
            return new byte[0];
        }
        try {
            byte[] b = memory.read(tid, addr, len);
            if (b.length != len) {
                throw new MemoryFault(addr + b.length, "only " + b.length + " of " + len + " bytes readable");
            }
            return b;
        } catch (LinuxException e) {
            throw new MemoryFault(addr, LinuxException.name(e.errno()));
        }
    }

    @Override
    public String readString(long addr, int max) throws MemoryFault {
        int len = 0;
        while (len < max) {
            long p = addr + len;
            // Read up to the end of the page first, so a string ending just before unmapped memory still reads.
            int toPageEnd = (int) (PAGE - (p & (PAGE - 1)));
            int want = Math.min(Math.min(CHUNK, toPageEnd), max - len);
            if (len + want > text.length) {
                text = Arrays.copyOf(text, Math.max(len + want, text.length * 2));
            }
            int got;
            try {
                got = memory.read(tid, p, text, len, want);
            } catch (LinuxException e) {
                throw new MemoryFault(p, LinuxException.name(e.errno()));
            }
            for (int i = len; i < len + got; i++) {
                if (text[i] == 0) {
                    return new String(text, 0, i, StandardCharsets.UTF_8);
                }
            }
            len += got;
            if (got < want) {
                throw new MemoryFault(p + got, "string runs into unreadable memory");
            }
        }
        return new String(text, 0, len, StandardCharsets.UTF_8);
    }

    /**
     * Takes a copy of the task's fd (pidfd_getfd: the tracer may) and asks the kernel what socket
     * it is; the copy is closed at once, so the program's socket is never used, only looked at.
     */
    @Override
    public SocketInfo socket(int fd) {
        int copy;
        try {
            int pidfd = Syscalls.pidfdOpen(tid);
            try {
                copy = Syscalls.pidfdGetfd(pidfd, fd);
            } finally {
                PathCalls.close(pidfd);
            }
        } catch (LinuxException e) {
            return null;
        }
        try {
            long family = SocketCalls.socketOption(copy, SocketCalls.SO_DOMAIN);
            long type = SocketCalls.socketOption(copy, SocketCalls.SO_TYPE);
            if (family < 0 || type < 0) {
                return null; // ENOTSOCK: not a socket
            }
            byte[] addr = SocketCalls.getsockname(copy);
            return new SocketInfo((int) family, (int) type, addr == null ? new byte[0] : addr);
        } finally {
            PathCalls.close(copy);
        }
    }

    @Override
    public String path(int fd) {
        return Procfs.link(tid, fd == Fcntl.AT_FDCWD ? "cwd" : "fd/" + fd).orElse("[err: FD not found]");
    }
}
