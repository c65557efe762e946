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
 *
 * <p>Memory is read a whole page at a time and the last few pages are kept until the next
 * {@link #at}: an exec's environment is dozens of short strings packed on a page or two of the
 * stack, and its path and argv are decoded up to three times in one stop (sentry/execve, the
 * enter point, the exit point's copy), so one read per page replaces one per string (45 to about
 * 6 process_vm_readv calls per exec of the default session). The copy is only as old as the stop:
 * callers aim it with {@link #at} at every stop or notification, so memory the task changes
 * between two stops is read afresh. Within one stop a page is read once, which also gives every
 * decoder of that stop the same bytes. A page is readable as a whole or not at all, so reading
 * all of it faults exactly where reading the asked range would.
 */
final class TraceeAccess implements TaskMemory, FdPaths {

    private static final int PAGE = 4096;
    /** Pages kept per stop: an exec's argv, its envp vector and the strings of both, on a page or two. */
    private static final int CACHED_PAGES = 4;
    private static final long NO_PAGE = -1; // never page-aligned, so never a hit

    private final ProcessMemory memory = new ProcessMemory();
    /**
     * The bytes of the string being read, reused from call to call (a path per syscall): grown to
     * the longest string read, never shrunk.
     */
    private byte[] text = new byte[PAGE];
    private final byte[][] pages = new byte[CACHED_PAGES][PAGE];
    private final long[] pageAddr = new long[CACHED_PAGES];
    /** How many bytes of each kept page were read (a whole page but for a kernel oddity). */
    private final int[] pageLen = new int[CACHED_PAGES];
    private int nextSlot;
    private int pageReads;
    private int tid;

    TraceeAccess() {
        Arrays.fill(pageAddr, NO_PAGE);
    }

    /** Aims this reader at {@code taskId} for one stop: pages kept from before are forgotten. */
    TraceeAccess at(int taskId) {
        this.tid = taskId;
        Arrays.fill(pageAddr, NO_PAGE);
        return this;
    }

    /**
     * Aims this reader at {@code taskId} again later in the same stop: the pages already read for
     * that task in this stop are kept (it has not run since), so a second decode of the same
     * arguments reads nothing again. Aimed at another task, it starts afresh as {@link #at} does.
     */
    TraceeAccess stillAt(int taskId) {
        return taskId == tid ? this : at(taskId);
    }

    /** How many pages were read from tasks so far (for tests: a page is read once per stop). */
    int pageReads() {
        return pageReads;
    }

    @Override
    public byte[] read(long addr, int len) throws MemoryFault {
        if (len == 0) {
            return new byte[0];
        }
        long start = addr & -PAGE;
        if (addr - start + len <= PAGE) {
            int slot = page(addr, start);
            int from = (int) (addr - start);
            int got = Math.max(0, Math.min(len, pageLen[slot] - from));
            if (got != len) {
                throw new MemoryFault(addr + got, "only " + got + " of " + len + " bytes readable");
            }
            return Arrays.copyOfRange(pages[slot], from, from + len);
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
            long start = p & -PAGE;
            int slot = page(p, start);
            int from = (int) (p - start);
            byte[] page = pages[slot];
            int want = Math.min(PAGE - from, max - len);
            int got = Math.max(0, Math.min(want, pageLen[slot] - from));
            for (int i = from; i < from + got; i++) {
                if (page[i] == 0) {
                    if (len == 0) {
                        return new String(page, from, i - from, StandardCharsets.UTF_8);
                    }
                    System.arraycopy(page, from, text, len, i - from);
                    return new String(text, 0, len + i - from, StandardCharsets.UTF_8);
                }
            }
            if (len + got > text.length) {
                text = Arrays.copyOf(text, Math.max(len + got, text.length * 2));
            }
            System.arraycopy(page, from, text, len, got);
            len += got;
            if (got < want) {
                throw new MemoryFault(p + got, "string runs into unreadable memory");
            }
        }
        return new String(text, 0, len, StandardCharsets.UTF_8);
    }

    /**
     * Returns the slot holding the page at {@code start}, reading it on first use in this stop.
     *
     * @param wanted the address asked for, named by the fault when the page is unreadable
     */
    private int page(long wanted, long start) throws MemoryFault {
        for (int i = 0; i < CACHED_PAGES; i++) {
            if (pageAddr[i] == start) {
                return i;
            }
        }
        int slot = nextSlot;
        nextSlot = (slot + 1) % CACHED_PAGES;
        pageAddr[slot] = NO_PAGE;
        try {
            pageLen[slot] = memory.read(tid, start, pages[slot], 0, PAGE);
        } catch (LinuxException e) {
            throw new MemoryFault(wanted, LinuxException.name(e.errno()));
        }
        pageReads++;
        pageAddr[slot] = start;
        return slot;
    }

    @Override
    public SocketInfo socket(int fd) {
        return socket(tid, fd);
    }

    /**
     * Takes a copy of task {@code tid}'s fd (pidfd_getfd: the tracer may) and asks the kernel what
     * socket it is; the copy is closed at once, so the program's socket is never used, only
     * looked at. Null when the fd is no socket or cannot be copied.
     */
    static SocketInfo socket(int tid, int fd) {
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
            return new SocketInfo((int) family, (int) type, addr == null ? new byte[0] : addr, SocketCalls.getpeername(copy));
        } finally {
            PathCalls.close(copy);
        }
    }

    @Override
    public String path(int fd) {
        return Procfs.link(tid, fd == Fcntl.AT_FDCWD ? "cwd" : "fd/" + fd).orElse("[err: FD not found]");
    }
}
