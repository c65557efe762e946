package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.linux.PathCalls;

/**
 * NonWaitingOpens tells which opens of an object other than a regular file or a directory the
 * kernel completes at once, whoever else has it open, so that the notifier makes them itself and
 * they need no thread of seccheck's: a program that used up the tasks its user or cgroup may have,
 * whose FIFO readers hold every thread seccheck has, still opens /dev/null and its FIFOs' write ends
 * with O_NONBLOCK, as natively. Before, each went to a thread the kernel refused and failed with
 * EAGAIN, and the readers those writers would have released waited for good.
 *
 * <p>The set is the kernel's own: a FIFO's open waits for its peer only for reading or for writing
 * alone and without O_NONBLOCK (fifo_open: O_RDWR, O_NONBLOCK and an invalid access mode never
 * wait); a socket's open fails with ENXIO (no_open); and the memory devices' opens (major 1: null,
 * zero, full, random, urandom) run no driver that could wait. Other devices stay on the pool: a
 * terminal's open can wait for carrier, and any driver (one served by a user-space CUSE server)
 * may wait however it is opened.
 */
final class NonWaitingOpens {
    private NonWaitingOpens() {}

    /** The memory devices' major number (drivers/char/mem.c). */
    private static final long MEM_MAJOR = 1;
    /** Their minor numbers: /dev/null, zero, full, random and urandom. */
    private static final int NULL_MINOR = 3;
    private static final int ZERO_MINOR = 5;
    private static final int FULL_MINOR = 7;
    private static final int RANDOM_MINOR = 8;
    private static final int URANDOM_MINOR = 9;

    /** Whether opening the object of status {@code st} with {@code flags} never waits in the kernel. */
    static boolean never(PathCalls.Stat st, int flags) {
        if (st == null) {
            return false;
        }
        if (st.isFifo()) {
            int access = flags & O_ACCMODE;
            return (flags & O_NONBLOCK) != 0 || (access != O_RDONLY && access != O_WRONLY);
        }
        if ((st.mode() & FileTypes.S_IFMT) == FileTypes.S_IFSOCK) {
            return true;
        }
        if (!st.isCharDevice() || PathCalls.major(st.rdev()) != MEM_MAJOR) {
            return false;
        }
        return switch ((int) PathCalls.minor(st.rdev())) {
            case NULL_MINOR, ZERO_MINOR, FULL_MINOR, RANDOM_MINOR, URANDOM_MINOR -> true;
            default -> false;
        };
    }
}
