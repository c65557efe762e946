package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.SeccompNotification;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * FileTimes reads the times that utime, utimes, futimesat and utimensat would give a file, as the
 * kernel reads them, into utimensat's form (seconds and nanoseconds for the access and then the
 * modification time, or none for "now"): a utimbuf's seconds, a timeval pair's microseconds (the
 * kernel refuses any outside 0-999,999 with EINVAL before it looks a name up), or a timespec pair
 * as given (its nanoseconds the kernel checks after the look-up). {@link AttributeCalls} performs
 * every form: those that name a file, and utimensat and futimesat on a descriptor with no name
 * (futimens, {@link #namesNone}), which change the file of a descriptor the program holds.
 *
 * @param given the four values, or null for the current time
 * @param errno the kernel's answer before it looks the name up (EINVAL for a microsecond out of
 *     range), or 0
 * @param nothing utimensat's two UTIME_OMIT: the kernel answers 0 without looking the name up
 */
record FileTimes(long[] given, int errno, boolean nothing) {

    /** utimensat's nanoseconds meaning "now" and "leave as it is" (linux/stat.h). */
    static final long UTIME_NOW = (1L << 30) - 1;
    static final long UTIME_OMIT = (1L << 30) - 2;

    /** The now of a null times pointer. */
    static final FileTimes NOW = new FileTimes(null, 0, false);

    /**
     * Whether {@code n} is a utimensat or futimesat that names no file: a descriptor other than
     * AT_FDCWD and a null name, which the kernel takes for the descriptor's file (with AT_FDCWD a
     * null name is looked up, and fails with EFAULT).
     */
    static boolean namesNone(SeccompNotification n) {
        return (n.nr() == Sysno.UTIMENSAT || n.nr() == Sysno.FUTIMESAT) && n.arg1() == 0 && (int) n.arg0() != AT_FDCWD;
    }

    /** How many bytes syscall {@code nr}'s times take in the program's memory. */
    static int size(int nr) {
        return nr == Sysno.UTIME ? 16 : 32;
    }

    /** The times of syscall {@code nr} from the {@link #size} bytes the program gave. */
    static FileTimes of(int nr, byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        return switch (nr) {
            case Sysno.UTIME -> new FileTimes(new long[] {b.getLong(0), 0, b.getLong(8), 0}, 0, false);
            case Sysno.UTIMES, Sysno.FUTIMESAT -> {
                long usec0 = b.getLong(8);
                long usec1 = b.getLong(24);
                if (usec0 < 0 || usec0 >= 1_000_000 || usec1 < 0 || usec1 >= 1_000_000) {
                    yield new FileTimes(null, Errno.EINVAL, false);
                }
                yield new FileTimes(new long[] {b.getLong(0), usec0 * 1000, b.getLong(16), usec1 * 1000}, 0, false);
            }
            case Sysno.UTIMENSAT -> {
                long[] t = {b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24)};
                yield new FileTimes(t, 0, t[1] == UTIME_OMIT && t[3] == UTIME_OMIT);
            }
            default -> throw new IllegalArgumentException("not a call that sets a file's times: syscall " + nr);
        };
    }
}
