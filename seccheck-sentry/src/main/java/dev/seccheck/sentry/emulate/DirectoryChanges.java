package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.sentry.defense.Shielded;
import java.util.Map;

/**
 * DirectoryChanges decides chdir, fchdir and chroot while seccheck performs the program's opens.
 * The kernel follows another process's {@code /proc/PID/fd/N}, {@code cwd} and {@code root} for a
 * program of the same user (or root), and the names below a working directory or root are walked
 * from there as ordinary names: {@code cd /proc/PID/fd/3; cat secret} read and wrote names in a
 * directory a process outside the run held open, whose parent the program could not search
 * (red-team round 21). seccheck cannot change another process's working directory, so the kernel
 * makes these calls; each is decided at its enter on the directory it reaches, walked as an open of
 * the program's is ({@link PathWalk}: an outside process's or seccheck's {@code /proc} entries
 * beyond the public ones, an O_PATH file of no decision reached through its link or named by
 * fchdir, are refused with EACCES), and checked at its exit: the directory the task then has must
 * be the one decided, or one whose O_PATH open was ({@link DecidedPathFiles}: another thread of a
 * task sharing the working directory may have moved it meanwhile), else a second thread rewrote
 * the name, or swapped the descriptor, between the decision and the kernel's look. The walk is
 * seccheck's (on the tracer), in seccheck's namespaces (for a task in other network or IPC
 * namespaces, a name into /proc/sys or /proc/sysvipc, whose directories are then others, is
 * decided as any directory there), not made with the program's identity: it refuses routes, and
 * the directory it reached is never taken for one the program may reach by name (the kernel's
 * permission checks come after it). One instance per thread, as PathWalk; the directories decided
 * for the calls in flight are shared.
 */
public final class DirectoryChanges {

    /** What {@link #refusal} returns when a local-only walk came to a filesystem that may block. */
    public static final int ELSEWHERE = ProgramPaths.ELSEWHERE;

    private final PathCalls calls = new PathCalls();
    private final PathWalk walk;
    private final DecidedPathFiles decided;
    /** What a call in flight was decided on when its walk came to /proc/sys or /proc/sysvipc: a directory there. */
    private static final Object SYSCTLS = new Object();

    /** The directory decided for each task's call in flight, by task. */
    private final Map<Integer, Object> inFlight;

    /**
     * @param supervisor seccheck's pid, whose /proc entries a walk never enters
     * @param operators whether a task is out of another's reach (a {@code seccheck exec} command's)
     * @param decided the run's record of the objects reached by a decided route, shared with the
     *     emulation of opens
     * @param inFlight where the directory decided for each task's call is kept until its exit,
     *     shared by every instance of the run
     */
    public DirectoryChanges(int supervisor, Shielded operators, DecidedPathFiles decided, Map<Integer, Object> inFlight) {
        this.decided = decided;
        this.inFlight = inFlight;
        this.walk = new PathWalk(calls, supervisor, operators, null, line -> {}, decided);
    }

    /** Whether syscall {@code nr} changes a task's working directory or root: chdir, fchdir, chroot. */
    public static boolean held(int nr) {
        return nr == Sysno.CHDIR || nr == Sysno.FCHDIR || nr == Sysno.CHROOT;
    }

    /**
     * Decides call {@code nr} of task {@code tid} (process {@code tgid}) at its enter: on the
     * directory descriptor {@code fd} holds (fchdir) or {@code path} reaches (chdir, chroot: null
     * when it could not be read, left to the kernel). Returns 0 to let the kernel make it (the
     * directory reached is kept for the call's exit; a name that reaches no directory the kernel
     * refuses itself), EACCES to fail it, or {@link #ELSEWHERE} when {@code localOnly} and the
     * walk needs a filesystem that may block: decide again where waiting holds nothing.
     */
    public int refusal(int tid, int tgid, int nr, int fd, String path, boolean localOnly) {
        inFlight.remove(tid);
        if (nr == Sysno.FCHDIR) {
            // The same open file (pidfd_getfd, which takes O_PATH files too), so its flags tell
            // whether it is an O_PATH file.
            int ours = ThreadIds.copyFd(tid, tgid, fd);
            if (ours < 0) {
                return 0; // no such descriptor, or a task gone: the kernel's answer
            }
            try {
                if (localOnly && !walk.isLocal(ours)) {
                    return ELSEWHERE;
                }
                int refused = decided.refusalOfStart(calls, ours);
                if (refused == 0) {
                    keep(tid, ours);
                }
                return refused;
            } finally {
                PathCalls.close(ours);
            }
        }
        if (path == null || path.isEmpty()) {
            return 0;
        }
        int start = -1;
        if (!path.startsWith("/")) {
            start = calls.openat(AT_FDCWD, "/proc/" + tid + "/cwd", O_PATH | O_CLOEXEC);
            if (start < 0) {
                return 0;
            }
        }
        try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
            // For a task in another network or IPC namespace than seccheck's, a walk into /proc/sys
            // or /proc/sysvipc stops there (Sysctls): seccheck's view of them is its own namespaces',
            // another directory than the task's, and they hold no process's entries.
            PathWalk.Request r = new PathWalk.Request(tid, tgid, 0, path, O_PATH | O_DIRECTORY, 0, localOnly,
                    () -> TaskNamespaces.differFromSeccheck(calls, tid, TaskNamespaces.SYSCTLS)).notTrailing();
            return switch (walk.find(r, start, root)) {
                case PathWalk.Located.Found f -> {
                    if (f.parent() >= 0) {
                        PathCalls.close(f.parent());
                    }
                    if (f.stat() != null && f.stat().isDirectory()) {
                        keep(tid, f.fd());
                    }
                    PathCalls.close(f.fd());
                    yield 0;
                }
                case PathWalk.Located.Missing m -> {
                    PathCalls.close(m.dir());
                    yield 0;
                }
                case PathWalk.Located.Failed f -> f.errno() == Errno.EACCES ? Errno.EACCES : 0;
                case PathWalk.Located.Elsewhere e -> ELSEWHERE;
                case PathWalk.Located.Sysctls s -> {
                    inFlight.put(tid, SYSCTLS);
                    yield 0;
                }
            };
        }
    }

    /** Keeps the object our fd {@code fd} is of as the directory decided for task {@code tid}'s call. */
    private void keep(int tid, int fd) {
        Object object = DecidedPathFiles.objectOf(calls, fd);
        if (object != null) {
            inFlight.put(tid, object);
        }
    }

    /**
     * At the exit of call {@code nr} that succeeded for task {@code tid}: whether the working
     * directory (the root, for chroot) the task has now is the one decided at its enter, or one
     * reached by a decided route. False means the kernel reached another directory.
     */
    public boolean reachedDecided(int tid, int nr) {
        Object walked = inFlight.remove(tid);
        int now = calls.openat(AT_FDCWD, "/proc/" + tid + (nr == Sysno.CHROOT ? "/root" : "/cwd"), O_PATH | O_CLOEXEC);
        if (now < 0) {
            return now == -Errno.ENOENT || now == -Errno.ESRCH; // the task is gone: it has none
        }
        try {
            if (walked == SYSCTLS) {
                return walk.inSysctls(now, tid);
            }
            Object there = DecidedPathFiles.objectOf(calls, now);
            return there != null && there.equals(walked) || decided.decided(calls, now);
        } finally {
            PathCalls.close(now);
        }
    }

    /** Forgets what was kept for task {@code tid}'s call: it left it without an exit (it ended). */
    public void forget(int tid) {
        inFlight.remove(tid);
    }
}
