package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.linux.PathCalls;

/**
 * NonWaitingOpens tells which opens of an object other than a regular file or a directory the
 * kernel completes at once, whoever else has it open and whatever they do, so that the notifier
 * makes them itself and they need no thread of seccheck's: a program that used up the tasks its
 * user or cgroup may have still opens /dev/null, as natively.
 *
 * <p>Nothing the notifier does may wait on a lock or an object the program controls: every held
 * call of the run waits behind it. The set is the kernel's own:
 * <ul>
 *   <li>A socket's open fails with ENXIO at once: its inode keeps no_open_fops
 *       (fs/inode.c, init_special_inode), whose open returns -ENXIO before any socket code or
 *       lock of the socket's (net/unix is never reached by an open).
 *   <li>The memory devices' opens (major 1: null, zero, full, random, urandom) run
 *       drivers/char/mem.c's memory_open, which only sets the file's operations: none of these
 *       five has an open of its own, nor a lock a program can hold (chrdev_open's map lock is
 *       the kernel's, let go before any probe).
 *   <li>Never a FIFO's, whatever its flags: fifo_open (fs/pipe.c) takes the pipe's mutex
 *       (__pipe_lock, uninterruptible) before it looks at them, and a program holds that mutex as
 *       long as it likes (a splice into the FIFO from an empty socket waits for data with it
 *       held). Made on the notifier, such an open once held every call of the run for as long
 *       (FifoLockTest); FIFO opens go to a thread of their own, or at the task limit to one kept
 *       in reserve ({@link ReserveThreads}).
 * </ul>
 * Other devices stay on the pool: a terminal's open can wait for carrier, and any driver (one
 * served by a user-space CUSE server) may wait however it is opened.
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

    /** Whether opening the object of status {@code st}, with any flags, never waits in the kernel. */
    static boolean never(PathCalls.Stat st) {
        if (st == null) {
            return false;
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
