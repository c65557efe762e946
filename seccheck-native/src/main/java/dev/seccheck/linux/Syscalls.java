package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;

/**
 * Syscalls calls system calls that glibc has no wrapper for (seccomp, pidfd_open, pidfd_getfd,
 * tgkill, getrandom) through {@code syscall(2)}. The numbers are {@link Sysno}'s.
 */
public final class Syscalls {
    private Syscalls() {}

    /**
     * Calls {@code syscall(nr, a, b, c)}; returns the result or throws naming the call by
     * {@code name} and {@code args}. System calls without a glibc wrapper are not restarted here.
     */
    static long call(int nr, long a, long b, long c, String name, Supplier<String> args) throws LinuxException {
        return NativeCall.call(slot -> Libc.syscall(slot, nr, a, b, c),
                NativeCall.Restart.NEVER, name, args);
    }

    /** Returns a pidfd referring to process {@code pid}. */
    public static int pidfdOpen(int pid) throws LinuxException {
        return (int) call(Sysno.PIDFD_OPEN, pid, 0, 0, "pidfd_open", () -> Integer.toString(pid));
    }

    /** Duplicates file descriptor {@code targetFd} of the process behind {@code pidfd} into this process. */
    public static int pidfdGetfd(int pidfd, int targetFd) throws LinuxException {
        return (int) call(Sysno.PIDFD_GETFD, pidfd, targetFd, 0, "pidfd_getfd", () -> pidfd + ", " + targetFd);
    }

    /**
     * Whether the process or thread behind {@code pidfd} still exists: pidfd_send_signal with
     * signal 0, which fails with ESRCH once it has exited (EPERM: it exists, another user's).
     */
    public static boolean exists(int pidfd) {
        return Direct.call(Sysno.PIDFD_SEND_SIGNAL, pidfd, 0, 0, 0) != -Errno.ESRCH;
    }

    /** Whether some thread has the number {@code tid} now (tkill with signal 0; EPERM: it exists). */
    public static boolean threadExists(int tid) {
        return Direct.call(Sysno.TKILL, tid, 0, 0, 0) != -Errno.ESRCH;
    }

    /** Whether thread {@code tid} is one of process {@code tgid}'s now (tgkill with signal 0; EPERM: it is). */
    public static boolean isThreadOf(int tgid, int tid) {
        return Direct.call(Sysno.TGKILL, tgid, tid, 0, 0) != -Errno.ESRCH;
    }

    /** Sends a signal to one thread. */
    public static void tgkill(int tgid, int tid, int sig) throws LinuxException {
        call(Sysno.TGKILL, tgid, tid, sig, "tgkill",
                () -> tgid + ", " + tid + ", " + Signal.name(sig));
    }

    /**
     * Returns 64 bits from the kernel's random pool (getrandom(2), never blocking once the pool
     * is initialized, which it is long before any user program runs): for values a supervised
     * program must not be able to guess.
     */
    public static long random64() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ValueLayout.JAVA_LONG);
            long n = call(Sysno.GETRANDOM, buf.address(), Long.BYTES, 0, "getrandom", () -> "8 bytes");
            if (n != Long.BYTES) {
                throw new LinuxException("getrandom (" + n + " of 8 bytes)", Errno.EIO);
            }
            return buf.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** Returns the calling thread's id (gettid(2)), as tgkill names it. */
    public static int gettid() {
        return (int) Direct.call(Sysno.GETTID, 0, 0, 0, 0);
    }

    /** Sends signal {@code sig} to thread {@code tid} of process {@code tgid}: 0, or -errno. */
    public static long signalThread(int tgid, int tid, int sig) {
        return Direct.call(Sysno.TGKILL, tgid, tid, sig, 0);
    }
}
