package dev.seccheck.linux;

import java.lang.foreign.MemorySegment;

/**
 * Direct makes a system call on the supervisor's behalf of a supervised program and returns the
 * kernel's answer as the program would see it: the result, or {@code -errno}. Emulated calls must
 * hand the program exactly what the kernel said (EINPROGRESS, EEXIST, a short count), so no errno
 * is an exception here, and EINTR is returned rather than retried: an interrupted connect or send
 * may have had its effect.
 */
final class Direct {
    private Direct() {}

    /** Calls {@code syscall(nr, a..f)}; returns the result, or -errno when it failed. */
    static long call(int nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment slot = Libc.errnoSlot();
        long r;
        try {
            r = Libc.syscall(slot, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new AssertionError("syscall " + nr + " failed to link", t);
        }
        return r == -1 ? -Libc.errno(slot) : r;
    }

    static long call(int nr, long a, long b, long c, long d) {
        return call(nr, a, b, c, d, 0, 0);
    }
}
