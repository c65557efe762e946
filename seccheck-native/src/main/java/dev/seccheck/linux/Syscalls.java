package dev.seccheck.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Syscalls calls system calls that glibc has no wrapper for (seccomp, pidfd_open, pidfd_getfd,
 * tgkill) through {@code syscall(2)}, and holds the x86-64 numbers the supervisor needs.
 */
public final class Syscalls {
    private Syscalls() {}

    public static final int SYS_CLOSE = 3;
    public static final int SYS_SECCOMP = 317;
    public static final int SYS_TGKILL = 234;
    public static final int SYS_PIDFD_OPEN = 434;
    public static final int SYS_PIDFD_GETFD = 438;

    private static final MethodHandle SYSCALL = Libc.LINKER.downcallHandle(
            Libc.LOOKUP.find("syscall").orElseThrow(),
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_LONG, Libc.C_LONG, Libc.C_LONG, Libc.C_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

    /** Calls {@code syscall(nr, a, b, c)}; returns the result or throws naming {@code what}. */
    static long call(String what, long nr, long a, long b, long c) throws LinuxException {
        MemorySegment slot = Libc.errnoSlot();
        long r;
        try {
            r = (long) SYSCALL.invokeExact(slot, nr, a, b, c);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r == -1) {
            throw new LinuxException(what, Libc.errno(slot));
        }
        return r;
    }

    /** Returns a pidfd referring to process {@code pid}. */
    public static int pidfdOpen(int pid) throws LinuxException {
        return (int) call("pidfd_open(" + pid + ")", SYS_PIDFD_OPEN, pid, 0, 0);
    }

    /** Duplicates file descriptor {@code targetFd} of the process behind {@code pidfd} into this process. */
    public static int pidfdGetfd(int pidfd, int targetFd) throws LinuxException {
        return (int) call("pidfd_getfd(" + targetFd + ")", SYS_PIDFD_GETFD, pidfd, targetFd, 0);
    }

    /** Sends a signal to one thread. */
    public static void tgkill(int tgid, int tid, int sig) throws LinuxException {
        call("tgkill(" + tgid + ", " + tid + ", " + sig + ")", SYS_TGKILL, tgid, tid, sig);
    }
}
