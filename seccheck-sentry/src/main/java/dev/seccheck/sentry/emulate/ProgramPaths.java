package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.sentry.defense.Shielded;

/**
 * ProgramPaths reaches a file by a name a program used, as that program resolves the name, for
 * the tracer's look at a file the program executed. The name is walked by {@link PathWalk} from
 * the program's root, cwd or descriptor: an absolute symlink restarts at the program's root, not
 * seccheck's, and procfs's {@code self} and {@code thread-self} name the program, so that
 * {@code /dev/fd/3} (a symlink to {@code /proc/self/fd}) or {@code /proc/self/fd/3} reach the
 * program's descriptor 3, never seccheck's, and seccheck's own /proc entries are never followed.
 * Opened through {@code /proc/TID/root}, such a name is resolved by the kernel from seccheck.
 * One instance per thread, as PathWalk.
 */
public final class ProgramPaths {

    /** What {@link #open} returns when a local-only walk came to a filesystem that may block. */
    public static final int ELSEWHERE = Integer.MIN_VALUE;

    private final PathCalls calls = new PathCalls();
    private final PathWalk walk;
    /** The objects reached by a decided route, which a descriptor's O_PATH file must be one of; null: not checked. */
    private final DecidedPathFiles decided;

    /** @param supervisor seccheck's pid, whose /proc entries a walk never enters */
    public ProgramPaths(int supervisor) {
        this.walk = new PathWalk(calls, supervisor);
        this.decided = null;
    }

    /**
     * Walks that check a name the program is about to use as an open's walk does: a magic link to
     * an O_PATH file, or a descriptor that is one (an empty path), goes on only to an object of
     * {@code decided}, and a task {@code operators} shields is out of reach.
     */
    public ProgramPaths(int supervisor, Shielded operators, DecidedPathFiles decided) {
        this.walk = new PathWalk(calls, supervisor, operators, null, line -> {}, decided);
        this.decided = decided;
    }

    /**
     * Our O_PATH fd of the file that task {@code tid} of process {@code tgid} reaches by
     * {@code path}, relative to its descriptor {@code dirfd} or, for AT_FDCWD, its cwd (an empty
     * path with a descriptor: that descriptor's file, as execveat's AT_EMPTY_PATH), following
     * a final symlink as execve does; the negative errno of the walk when it reaches none; or
     * {@link #ELSEWHERE} when {@code localOnly} and the name leads onto a filesystem whose lookups
     * may wait on someone (FUSE, network): walk it again where waiting holds nothing. Magic links
     * are followed as far as seccheck may (the program, which executed the file by this name,
     * could follow them then).
     */
    public int open(int tid, int tgid, int dirfd, String path, boolean localOnly) {
        if (path.isEmpty()) {
            return dirfd == AT_FDCWD ? -Errno.ENOENT : descriptor(tid, tgid, dirfd, localOnly);
        }
        boolean absolute = path.startsWith("/");
        int start = -1;
        if (!absolute) {
            start = decided != null && dirfd != AT_FDCWD ? checkedStart(tid, tgid, dirfd)
                    : calls.openat(AT_FDCWD, "/proc/" + tid + (dirfd == AT_FDCWD ? "/cwd" : "/fd/" + dirfd),
                            O_PATH | O_CLOEXEC);
            if (start < 0) {
                return start;
            }
        }
        try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
            // Retracing the kernel's resolution of an exec, which applied the sticky-directory
            // protections with the program's own fsuid (not known here).
            PathWalk.Request r = new PathWalk.Request(tid, tgid, 0, path, O_RDONLY, 0, localOnly).notTrailing();
            return switch (walk.find(r, start, root)) {
                case PathWalk.Located.Found f -> {
                    if (f.parent() >= 0) {
                        PathCalls.close(f.parent());
                    }
                    yield f.fd();
                }
                case PathWalk.Located.Missing m -> {
                    PathCalls.close(m.dir());
                    yield -Errno.ENOENT;
                }
                case PathWalk.Located.Failed f -> -f.errno();
                case PathWalk.Located.Elsewhere e -> ELSEWHERE;
                case PathWalk.Located.Sysctls s -> throw new IllegalStateException("a walk that never asks about /proc/sys did");
            };
        }
    }

    /**
     * Our O_PATH fd of the file of task {@code tid}'s descriptor {@code fd}, by its /proc link,
     * which asks no filesystem; {@link #ELSEWHERE} when {@code localOnly} and the file is not on a
     * local one.
     */
    private int descriptor(int tid, int tgid, int fd, boolean localOnly) {
        if (decided != null) {
            return checkedDescriptor(tid, tgid, fd, localOnly);
        }
        int ours = calls.openat(AT_FDCWD, "/proc/" + tid + "/fd/" + fd, O_PATH | O_CLOEXEC);
        if (ours >= 0 && localOnly && !walk.isLocal(ours)) {
            PathCalls.close(ours);
            return ELSEWHERE;
        }
        return ours;
    }

    /**
     * {@link #descriptor} for checking walks: the program's open file itself (pidfd_getfd, which
     * takes O_PATH files too, so that its flags tell one), -EACCES when it is an O_PATH file of no
     * decision.
     */
    private int checkedDescriptor(int tid, int tgid, int fd, boolean localOnly) {
        int ours = ThreadIds.copyFd(tid, tgid, fd);
        if (ours < 0) {
            return ours == -Errno.EBADF ? ours : -Errno.EBADF;
        }
        int refused = localOnly && !walk.isLocal(ours) ? -1 : decided.refusalOfStart(calls, ours);
        if (refused != 0) {
            PathCalls.close(ours);
            return refused < 0 ? ELSEWHERE : -refused;
        }
        return ours;
    }

    /**
     * For checking walks, where a name relative to descriptor {@code fd} starts: the program's
     * open file itself, or -errno: -EACCES for an O_PATH directory of no decision that the name
     * the kernel gives it does not reach ({@link PathWalk#refusalBelow}).
     */
    private int checkedStart(int tid, int tgid, int fd) {
        int ours = ThreadIds.copyFd(tid, tgid, fd);
        if (ours < 0) {
            return ours;
        }
        int refused = walk.refusalBelow(ours, tid, "the directory of descriptor " + fd);
        if (refused != 0) {
            PathCalls.close(ours);
            return -refused;
        }
        return ours;
    }
}
