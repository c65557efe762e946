package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sink.ReachedFile;

/**
 * NameWalks finds what a name of the program's leads to, for the calls seccheck performs on names
 * without opening them ({@link NameEmulation}, {@link AttributeCalls}): the walk from the
 * program's root, cwd or dirfd with its identity ({@link PathWalk}), and seccheck's fd of what it
 * reached.
 */
final class NameWalks {

    private final PathCalls calls;
    private final PathWalk walk;
    private final TaskFiles tasks;

    NameWalks(PathCalls calls, PathWalk walk, TaskFiles tasks) {
        this.calls = calls;
        this.walk = walk;
        this.tasks = tasks;
    }

    /**
     * Walks {@code path} as an open with {@code flags} would: the program's whole name when
     * {@code trailing}, else the directory part of a longer one ({@link PathWalk.Request#trailing}).
     */
    PathWalk.Located walk(Call call, Identity who, ProgramRoot root, int dirfd, String path, int flags,
            boolean trailing) {
        boolean fromRoot = path.startsWith("/");
        int start = path.isEmpty() ? -Errno.ENOENT : fromRoot ? -1 : startOf(call, dirfd);
        if (start < 0 && !fromRoot) {
            return new PathWalk.Located.Failed(-start);
        }
        int refused = start < 0 || dirfd == AT_FDCWD ? 0
                : walk.refusalBelow(start, call.tid(), "the directory of descriptor " + dirfd);
        if (refused != 0) {
            PathCalls.close(start);
            return new PathWalk.Located.Failed(refused);
        }
        PathWalk.Request r = new PathWalk.Request(call.tid(), call.tgid(), who.fsuid(), path, flags, 0, call.onNotifier());
        return walk.find(trailing ? r : r.notTrailing(), start, root);
    }

    /**
     * Our fd of the object a walk found (its parent's fd closed), or -errno: ENOENT for a missing
     * one, ENOTDIR for a name ending in "/" that is not a directory.
     */
    static int found(PathWalk.Located at) {
        return switch (at) {
            case PathWalk.Located.Found f -> {
                PathCalls.close(f.parent());
                if (f.trailingSlash() && !f.directory()) {
                    PathCalls.close(f.fd());
                    yield -Errno.ENOTDIR;
                }
                yield f.fd();
            }
            case PathWalk.Located.Missing m -> {
                PathCalls.close(m.dir());
                yield -Errno.ENOENT;
            }
            case PathWalk.Located.Failed f -> -f.errno();
            case PathWalk.Located.Elsewhere e -> throw new IllegalStateException("a walk off the notifier gave up");
            case PathWalk.Located.Sysctls s -> throw new IllegalStateException("a walk that never asks about /proc/sys did");
        };
    }

    /** Our fd of where a relative name starts: the calling thread's cwd, or the dirfd itself; or -errno. */
    int startOf(Call call, int dirfd) {
        if (dirfd == AT_FDCWD) {
            return Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + call.tid() + "/cwd", O_PATH | O_CLOEXEC));
        }
        return Identity.anchor(() -> tasks.getfd(call.tid(), call.tgid(), dirfd));
    }

    /**
     * Our fd of the file an empty name with AT_EMPTY_PATH names: the calling thread's cwd, or the
     * dirfd's own file unless it is an O_PATH file of no decision ({@link PathWalk#refusalOfStart});
     * or -errno.
     */
    int objectOf(Call call, int dirfd) {
        int fd = startOf(call, dirfd);
        int refused = fd < 0 || dirfd == AT_FDCWD ? 0
                : walk.refusalOfStart(fd, call.tid(), "the file of descriptor " + dirfd);
        if (refused != 0) {
            PathCalls.close(fd);
            return -refused;
        }
        return fd;
    }

    /**
     * Our fd of the program's descriptor {@code fd} (the same open file), for a call that changes
     * its file and names none; or -errno: EBADF for a negative number, which names no descriptor
     * (AT_FDCWD among them).
     */
    int descriptor(Call call, int fd) {
        return fd < 0 ? -Errno.EBADF : Identity.anchor(() -> tasks.getfd(call.tid(), call.tgid(), fd));
    }

    /** Whether our fd {@code fd} is of a file on a filesystem that answers from local state ({@link LocalFilesystems}). */
    boolean isLocal(int fd) {
        return walk.isLocal(fd);
    }

    /** The device, inode and ctime of {@code st}, or null when it could not be had. */
    static ReachedFile reached(PathCalls.Stat st) {
        return st == null ? null : new ReachedFile(st.dev(), st.ino(), st.ctimeNs());
    }
}
