package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.linux.PathCalls;

/**
 * ProgramRoot is the directory a {@link PathWalk} treats as "/" for one call: the program's root
 * ({@code /proc/TID/root}, taken at that call, never cached across calls), opened only when the
 * walk first needs it (an absolute path or symlink, a ".." to compare with it), since most opens
 * (a relative name under a dirfd or the cwd) never do; or, for openat2's BENEATH and IN_ROOT, a
 * directory the walk already has. Closed by whoever made it.
 */
final class ProgramRoot implements AutoCloseable {

    private static final int NOT_OPEN = Integer.MIN_VALUE;

    private final PathCalls calls;
    private final int tid;
    private int fd;
    private PathCalls.Stat stat;

    private ProgramRoot(PathCalls calls, int tid, int fd) {
        this.calls = calls;
        this.tid = tid;
        this.fd = fd;
    }

    /** The root of task {@code tid}, opened on first use. */
    static ProgramRoot of(PathCalls calls, int tid) {
        return new ProgramRoot(calls, tid, NOT_OPEN);
    }

    /** A root that is our O_PATH fd {@code fd} (or -errno), which it then owns. */
    static ProgramRoot ofFd(PathCalls calls, int fd) {
        return new ProgramRoot(calls, -1, fd);
    }

    /** Our O_PATH fd of the root, or -errno when it cannot be opened (ESRCH: the task is gone). */
    int fd() {
        if (fd == NOT_OPEN) {
            // Opened with the program's credentials as a rule; a program that is not dumpable needs
            // seccheck's own (Identity#anchor).
            fd = Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/root", O_PATH | O_CLOEXEC));
        }
        return fd;
    }

    /**
     * The root's stat, or null when it cannot be opened: statx without sync, so that a root on a
     * filesystem the program serves (a chroot into its FUSE mount) cannot hold the walk.
     */
    PathCalls.Stat stat() {
        if (stat == null && fd() >= 0) {
            PathCalls.Statx sx = calls.statNoSync(fd);
            stat = sx == null ? null : sx.stat();
        }
        return stat;
    }

    @Override
    public void close() {
        if (fd != NOT_OPEN) {
            PathCalls.close(fd);
        }
        fd = NOT_OPEN;
    }
}
