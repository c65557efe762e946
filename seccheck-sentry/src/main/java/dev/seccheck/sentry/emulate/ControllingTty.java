package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_EXCL;
import static dev.seccheck.abi.Fcntl.O_NOCTTY;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_TRUNC;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.OptionalLong;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * ControllingTty opens {@code /dev/tty} for the program. The kernel gives whoever opens it the
 * opener's controlling terminal: opened by seccheck, that is seccheck's, the terminal of the user
 * who started the run, whatever the program's is. A program that left it ({@code setsid}: a
 * daemon) gets ENXIO natively and must not reach the user's terminal through seccheck, where it
 * could read what the user types; one with a terminal of its own (a pty it made: tmux, script,
 * expect) gets that one. So: no controlling terminal, ENXIO; seccheck's, opened as before; a
 * pseudo-terminal of its own, opened through the program's {@code /dev/pts} and kept only if it is
 * that very terminal; any other, ENXIO.
 */
final class ControllingTty {

    /** /dev/tty's device number, 5:0. */
    static final long DEV_TTY = PathCalls.encode(5, 0);
    /** The majors of pseudo-terminal slaves (UNIX98_PTY_SLAVE_MAJOR and the seven after it). */
    private static final long PTS_FIRST = 136;
    private static final long PTS_LAST = 143;

    private final PathCalls calls;
    /** seccheck's own controlling terminal (0: none), read once: it never changes its session. */
    private final long mine;

    ControllingTty(PathCalls calls) {
        this.calls = calls;
        this.mine = Procfs.controllingTty(ProcessHandle.current().pid()).orElse(0);
    }

    /** Whether a file the walk reached is /dev/tty, under whatever name. */
    static boolean is(PathCalls.Stat st) {
        return st != null && st.isCharDevice() && st.rdev() == DEV_TTY;
    }

    /**
     * Opens for task {@code tid} what its own open of /dev/tty with {@code flags} would: our fd, or
     * -errno. {@code asSeccheck} opens the /dev/tty the walk reached, which gives seccheck's;
     * {@code asProgram} makes an open where the kernel checks it as the program's
     * ({@link LandlockDomains}): the terminal is found as seccheck, which may look at the task's
     * /proc entry, and opened as the program.
     */
    int open(int tid, int flags, IntSupplier asSeccheck, ToIntFunction<IntSupplier> asProgram) {
        OptionalLong tty = Procfs.controllingTty(tid);
        if (tty.isEmpty() || tty.getAsLong() == 0) {
            return -Errno.ENXIO; // none (or it cannot be told): never seccheck's in its place
        }
        long dev = tty.getAsLong();
        if (dev == mine) {
            return asProgram.applyAsInt(asSeccheck);
        }
        long major = (dev & 0xfff00) >> 8;
        long minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        if (major < PTS_FIRST || major > PTS_LAST) {
            return -Errno.ENXIO;
        }
        long index = (major - PTS_FIRST) * 256 + minor; // the 2.4 layout of 8-bit minors; today all is 136
        int path = calls.openat(AT_FDCWD, "/proc/" + tid + "/root/dev/pts/" + index, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (path < 0) {
            return -Errno.ENXIO;
        }
        try {
            PathCalls.Stat st = calls.fstat(path);
            if (st == null || !st.isCharDevice() || st.rdev() != dev) {
                return -Errno.ENXIO; // another devpts than the terminal's: not that terminal
            }
            int fd = asProgram.applyAsInt(() -> calls.openat(AT_FDCWD, "/proc/thread-self/fd/" + path,
                    (flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_NOCTTY | O_CLOEXEC));
            return fd < 0 ? -Errno.ENXIO : fd;
        } finally {
            PathCalls.close(path);
        }
    }
}
