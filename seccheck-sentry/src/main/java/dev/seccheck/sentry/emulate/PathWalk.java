package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_EXCL;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_TRUNC;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.sentry.defense.OutsideProcesses;
import dev.seccheck.sentry.defense.Shielded;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * PathWalk opens a path the way the program would, but component by component, so that no part
 * of the name is resolved by the kernel relative to seccheck itself. Each directory is opened with
 * {@code O_PATH|O_NOFOLLOW}; ordinary symlinks are read and followed here (absolute ones from the
 * program's root); in procfs, {@code self} and {@code thread-self} at its root become the
 * program's tgid and tid, and the magic links below {@code /proc/<pid>/} (fd/N, cwd, root, exe)
 * are followed by opening them, which yields the program's object. The walk ends on an O_PATH fd
 * of the object (or of the directory where it is to be created): the caller decides on that
 * object and only then opens it for I/O through that fd, so nothing is created or truncated
 * before the decision and no name is resolved twice.
 *
 * <p>The leading directories of a path are left to the kernel when that cannot resolve anything
 * relative to seccheck ({@link #descend}): one openat2 confined to the mount the walk stands on,
 * which is not procfs, with no magic link, and following ordinary symlinks only inside the
 * program's root. Anything else (a mount crossed, a "." or "..", a symlink in a relative path,
 * a missing or forbidden directory) is walked component by component, which reports it exactly.
 *
 * <p>openat2's RESOLVE_* flags are applied by the walk: NO_SYMLINKS and NO_MAGICLINKS give ELOOP,
 * BENEATH gives EXDEV for an absolute path or a ".." above the start, IN_ROOT clamps "/" and ".."
 * to the start, NO_XDEV gives EXDEV when a step (a "..", too) leaves the start's mount
 * ({@link #crossesAMount}: a bind mount of the same filesystem too), and where the kernel jumps
 * ({@link #jumpsToTheRoot}, {@link #jumpsThroughAMagicLink}). A RESOLVE_CACHED open never
 * reaches the walk: it is answered EAGAIN ({@link OpenEmulation}).
 *
 * <p>One instance per emulation thread; every fd it opens is closed before it returns except the
 * one in the result.
 */
final class PathWalk {

    static final long RESOLVE_NO_XDEV = dev.seccheck.abi.Fcntl.RESOLVE_NO_XDEV;
    static final long RESOLVE_NO_MAGICLINKS = dev.seccheck.abi.Fcntl.RESOLVE_NO_MAGICLINKS;
    static final long RESOLVE_NO_SYMLINKS = dev.seccheck.abi.Fcntl.RESOLVE_NO_SYMLINKS;
    static final long RESOLVE_BENEATH = dev.seccheck.abi.Fcntl.RESOLVE_BENEATH;
    static final long RESOLVE_IN_ROOT = dev.seccheck.abi.Fcntl.RESOLVE_IN_ROOT;
    static final long RESOLVE_CACHED = dev.seccheck.abi.Fcntl.RESOLVE_CACHED;
    static final long RESOLVE_ALL = 0x3f;

    private static final int MAX_LINKS = 40;
    private static final StickyDirectories.Setting PROTECTED_SYMLINKS = StickyDirectories.Setting.of(StickyDirectories.SYMLINKS);
    private static final StickyDirectories.Setting PROTECTED_REGULAR = StickyDirectories.Setting.of(StickyDirectories.REGULAR);
    private static final StickyDirectories.Setting PROTECTED_FIFOS = StickyDirectories.Setting.of(StickyDirectories.FIFOS);
    private static final int WALK = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    private static final long PROC_ROOT_INO = ProcPlaces.PROC_ROOT_INO;

    /**
     * What the walk is asked to find, for whom.
     *
     * @param localOnly give up ({@link Located.Elsewhere}) before looking a name up in a filesystem
     *     whose lookups may wait on someone else (network, FUSE, autofs): set on the notifier thread
     * @param otherSysctls asked when the walk is about to look a name up in procfs's {@code sys}
     *     or {@code sysvipc}: whether the task's network or IPC namespace is not the walking
     *     thread's, which the kernel looks those names up in, or opens those files for
     *     ({@link Located.Sysctls})
     * @param trailing whether the path's last component is the trailing one of the name the program
     *     gave, which the kernel's protections of sticky directories look at ({@link StickyDirectories}):
     *     false for a walk to the directory of a longer name, or one retracing a resolution the
     *     kernel has made for the program already (with those protections)
     */
    record Request(int tid, int tgid, int fsuid, String path, int flags, long resolve, boolean localOnly,
            BooleanSupplier otherSysctls, boolean trailing) {
        /** A request that walks any filesystem. */
        Request(int tid, int tgid, int fsuid, String path, int flags, long resolve) {
            this(tid, tgid, fsuid, path, flags, resolve, false);
        }

        /** A request whose walk looks /proc/sys up as the walking thread's. */
        Request(int tid, int tgid, int fsuid, String path, int flags, long resolve, boolean localOnly) {
            this(tid, tgid, fsuid, path, flags, resolve, localOnly, () -> false);
        }

        /** A request for the program's whole name. */
        Request(int tid, int tgid, int fsuid, String path, int flags, long resolve, boolean localOnly,
                BooleanSupplier otherSysctls) {
            this(tid, tgid, fsuid, path, flags, resolve, localOnly, otherSysctls, true);
        }

        /** This request, to walk from a thread in the task's own namespaces. */
        Request inTaskNamespaces() {
            return new Request(tid, tgid, fsuid, path, flags, resolve, localOnly, () -> false, trailing);
        }

        /** This request, for a path that is not the trailing part of the program's name (see {@code trailing}). */
        Request notTrailing() {
            return new Request(tid, tgid, fsuid, path, flags, resolve, localOnly, otherSysctls, false);
        }
    }

    /** Where the walk ended. */
    sealed interface Located {
        /**
         * The object exists: our fd of it, O_PATH (the symlink itself only for O_PATH|O_NOFOLLOW),
         * its fstat (null if that failed), and when its last step was a plain name, our O_PATH fd
         * of the directory it was found in and that name (else -1 and null).
         */
        record Found(int fd, PathCalls.Stat stat, boolean trailingSlash, int parent, String name) implements Located {
            /** Whether the object is a directory. */
            boolean directory() {
                return stat != null && stat.isDirectory();
            }
        }

        /** The last component does not exist: our O_PATH fd of its directory, and its name. */
        record Missing(int dir, String name, boolean trailingSlash) implements Located {}

        /** The walk failed with this errno, as the program's own open would have. */
        record Failed(int errno) implements Located {}

        /** A local-only walk reached a filesystem whose lookups may block: walk again elsewhere. */
        record Elsewhere() implements Located {}

        /**
         * The walk was about to look a name up below procfs's {@code sys}, whose network and IPC
         * entries the kernel finds in the looking thread's namespaces, or in {@code sysvipc},
         * whose files list the opening thread's IPC objects, and the task's namespaces are others:
         * walk again from a thread in the task's ({@link Request#otherSysctls}).
         */
        record Sysctls() implements Located {}
    }

    private final PathCalls calls;
    private final ProcPlaces places;
    private final int supervisor;
    /** The device of the fd the walk stands on and its filesystem's type, asked once per device crossed. */
    private long device = -1;
    private long fsType = -1;
    /** The device of seccheck's own procfs, asked once (-1: not yet; -2: it could not be). */
    private long ownProcDev = -1;
    /** Whether the kernel has openat2, which {@link #descend} needs; false once it said ENOSYS. */
    private boolean kernelWalks = true;
    /** How many walks the kernel shortened ({@link #descend}), for tests. */
    private long descents;

    PathWalk(PathCalls calls, int supervisor) {
        this(calls, supervisor, Shielded.NONE);
    }

    /**
     * @param operators whether a task is out of the reach of another of the program's tasks: of a
     *     {@code seccheck exec} command (the operator's, reached as a process outside the run: its
     *     environment, its descriptors, the operator's terminal among them), or in an exec not
     *     decided yet (its new program's memory, mapped before the decision)
     */
    PathWalk(PathCalls calls, int supervisor, Shielded operators) {
        this(calls, supervisor, operators, null);
    }

    /**
     * @param access the kernel's ptrace access check made for the program's thread before a magic
     *     link is followed ({@link PtraceAccess}); null for a walk retracing one the kernel made
     *     for the program already (an exec's)
     */
    PathWalk(PathCalls calls, int supervisor, Shielded operators, PtraceAccess access) {
        this(calls, supervisor, operators, access, line -> {});
    }

    /**
     * @param log takes a line for each walk refused because a part of a procfs it reached cannot
     *     be placed in that procfs ({@link #unplaced})
     */
    PathWalk(PathCalls calls, int supervisor, Shielded operators, PtraceAccess access, Consumer<String> log) {
        this(calls, supervisor, operators, access, log, null);
    }

    /**
     * @param pathFiles the objects whose O_PATH opens were decided ({@link DecidedPathFiles}): a
     *     walk through a magic link to an O_PATH file of the program's goes on only to one of them;
     *     null for a walk that does not check (an exec's, retraced)
     */
    PathWalk(PathCalls calls, int supervisor, Shielded operators, PtraceAccess access, Consumer<String> log,
            DecidedPathFiles pathFiles) {
        this.pathFiles = pathFiles;
        this.calls = calls;
        this.places = new ProcPlaces(calls);
        this.supervisor = supervisor;
        this.operators = operators;
        this.access = access;
        this.log = log;
    }

    private final Shielded operators;
    private final PtraceAccess access;
    private final Consumer<String> log;
    private final DecidedPathFiles pathFiles;

    /** Remembers the object our fd {@code fd} is of: an O_PATH open of it was decided, and the kernel is to make it. */
    void pathFileMade(int fd) {
        if (pathFiles != null) {
            pathFiles.made(calls, fd);
        }
    }

    /**
     * 0 when a call may take our copy {@code fd} of one of the program's files as the file it
     * names (an empty path with AT_EMPTY_PATH): no O_PATH file, or one whose object was decided
     * ({@link DecidedPathFiles}); else EACCES, with a line saying why for task {@code tid}'s call on
     * {@code what}.
     */
    int refusalOfStart(int fd, int tid, String what) {
        int refused = pathFiles == null ? 0 : pathFiles.refusalOfStart(calls, fd);
        if (refused != 0) {
            log.accept(undecidedPathFile(tid, what, "it"));
        }
        return refused;
    }

    /**
     * 0 when a name may be walked below our copy {@code fd} of one of task {@code tid}'s
     * descriptors (a relative name's dirfd): no O_PATH file; one whose object was decided
     * ({@link DecidedPathFiles}); one on a mount the task's mount table does not have (a detached
     * tree, OPEN_TREE_CLONE's or fsmount's, or a mount of another namespace: names below it are
     * ones seccheck cannot give, decided by {@code on_missing}); or a directory the calling thread,
     * with the program's identity, reaches by its name now (seccheck's view of it, from seccheck's
     * root). Else EACCES, with a line saying why for the call's {@code what}: an O_PATH file a
     * raced open got of a directory an outside process holds, whose parent the program cannot
     * search, or hidden under a mount, or deleted (red-team round 21).
     */
    int refusalBelow(int fd, int tid, String what) {
        if (pathFiles == null) {
            return 0;
        }
        long flags = dev.seccheck.linux.SocketCalls.statusFlags(fd);
        if (flags >= 0 && !DecidedPathFiles.isPath(flags) || pathFiles.decided(calls, fd)) {
            return 0;
        }
        long mount = calls.mountId(fd);
        boolean attached;
        try {
            attached = mount < 0 || MountTables.ALL.mount(calls, tid, mount).isPresent();
        } catch (java.io.IOException e) {
            attached = true; // not told: the name must tell
        }
        if (!attached || reachedByName(fd)) {
            return 0;
        }
        log.accept(undecidedPathFile(tid, what, "its directory") + ", and its name does not reach it");
        return Errno.EACCES;
    }

    /**
     * Whether the name the kernel gives our fd {@code fd} (from seccheck's root) reaches, opened by
     * the calling thread as it is now, that very object on the same mount.
     */
    private boolean reachedByName(int fd) {
        String name = calls.readlinkat(AT_FDCWD, "/proc/self/fd/" + fd);
        if (name == null || !name.startsWith("/")) {
            return false;
        }
        int again = calls.openat(AT_FDCWD, name, O_PATH | O_CLOEXEC);
        if (again < 0) {
            return false;
        }
        try {
            PathCalls.Stat a = calls.fstat(fd);
            PathCalls.Stat b = calls.fstat(again);
            return a != null && b != null && a.dev() == b.dev() && a.ino() == b.ino()
                    && calls.mountId(fd) == calls.mountId(again);
        } finally {
            PathCalls.close(again);
        }
    }

    /**
     * Whether our fd {@code fd} is of a directory in a procfs's {@code sys} or {@code sysvipc}
     * tree, placed in its procfs as a walk places it ({@link ProcPlaces}, in task {@code tid}'s
     * mount namespace): one the task reaches in its own namespaces' view, which a walk from
     * seccheck's reaches as another directory ({@link Located.Sysctls}).
     */
    boolean inSysctls(int fd, int tid) {
        PathCalls.Stat st = calls.fstat(fd);
        if (st == null || !st.isDirectory() || calls.fsType(fd) != PathCalls.PROC_SUPER_MAGIC) {
            return false;
        }
        Deque<String> place = places.of(fd, tid, ownProcDev());
        return place != null && !place.isEmpty() && (place.getFirst().equals("sys") || place.getFirst().equals("sysvipc"));
    }

    /** The line for a walk of task {@code tid} to {@code path} refused at an O_PATH file, {@code which}, of no decision. */
    private static String undecidedPathFile(int tid, String path, String which) {
        return "refused (EACCES) a walk of task " + tid + " (" + Procfs.comm(tid) + ") to " + path + ": " + which
                + " is an O_PATH file of an object no decision of seccheck's let the program open so (the kernel"
                + " made its open from memory another thread may have changed, or it came from outside the run)";
    }

    /**
     * Walks {@code r.path()} from {@code start} (ours, O_PATH, consumed: the walk goes on from it
     * or closes it; -1 for an absolute path walked from the root) with {@code root} as the
     * program's root (opened only if the walk needs it: an absolute path or symlink, a "..").
     * Nothing is created or opened for I/O: the caller decides on the object first and opens it
     * after.
     */
    Located find(Request r, int start, ProgramRoot root) {
        int cur = start;
        long res = r.resolve();
        boolean jailed = (res & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0;
        // BENEATH and IN_ROOT confine the walk to its start, which stays open beside the walk.
        ProgramRoot anchor = jailed ? ProgramRoot.ofFd(calls, dup(start)) : root;
        // Whether the kernel's walk has its root (nd->root) by now: from the start for an absolute
        // path or a scoped one (BENEATH, IN_ROOT: the start); a relative one takes it at its first
        // "..", and until then RESOLVE_NO_XDEV refuses every absolute symlink (jumpsToTheRoot).
        boolean rootTaken = jailed || r.path().startsWith("/");
        device = -1;
        int links = 0;
        try {
            if (r.path().isEmpty()) {
                return new Located.Failed(Errno.ENOENT);
            }
            Deque<String> todo = new ArrayDeque<>();
            boolean trailingSlash = push(todo, r.path());
            if (r.path().startsWith("/")) {
                if ((res & RESOLVE_BENEATH) != 0) {
                    return new Located.Failed(Errno.EXDEV);
                }
                cur = replace(cur, top(anchor));
            }
            if (cur < 0) {
                return new Located.Failed(-cur);
            }
            PathCalls.Statx startX = calls.statNoSync(cur);
            if (startX == null) {
                return new Located.Failed(Errno.EBADF);
            }
            PathCalls.Stat startStat = startX.stat();
            if (!startStat.isDirectory()) {
                return new Located.Failed(Errno.ENOTDIR); // a dirfd that is no directory: before any component
            }
            if (!onLocal(r, cur, startX)) {
                return new Located.Elsewhere();
            }
            Located inProc = stopInProc(r, cur, todo);
            if (inProc != null) {
                return inProc;
            }
            cur = descend(r, cur, todo, r.path().startsWith("/"));
            while (!todo.isEmpty()) {
                String comp = todo.pollFirst();
                boolean last = todo.isEmpty();
                if (comp.equals(".")) {
                    // Looked up as the kernel does: ENOTDIR for no directory, EACCES for one the
                    // program may not search.
                    int here = step(cur, ".", WALK);
                    if (here < 0) {
                        return new Located.Failed(-here);
                    }
                    PathCalls.close(here);
                    continue;
                }
                if (comp.equals("..")) {
                    rootTaken = true; // handle_dots() sets the root before it climbs, even at the root
                    PathCalls.Stat here = calls.fstat(cur);
                    PathCalls.Stat anchorStat = anchor.stat();
                    if (anchorStat == null) {
                        return new Located.Failed(anchor.fd() < 0 ? -anchor.fd() : Errno.EBADF);
                    }
                    if (here != null && here.dev() == anchorStat.dev() && here.ino() == anchorStat.ino()) {
                        if ((res & RESOLVE_BENEATH) != 0) {
                            return new Located.Failed(Errno.EXDEV);
                        }
                        continue; // ".." of the root is the root
                    }
                    long mountBefore = mountOf(cur, null);
                    cur = replace(cur, step(cur, "..", WALK));
                    Located stop = stopAt(r, cur);
                    if (stop != null) {
                        return stop;
                    }
                    if (fsType == PathCalls.PROC_SUPER_MAGIC && mountOf(cur, null) != mountBefore) {
                        // Out of a mount onto a procfs directory (one mounted over a name in /proc/PID/):
                        // decided on as a start there is.
                        Located there = stopInProc(r, cur, todo);
                        if (there != null) {
                            return there;
                        }
                    }
                    if ((res & RESOLVE_NO_XDEV) != 0) {
                        // The kernel's ".." refuses to climb out of a mount under NO_XDEV.
                        PathCalls.Statx up = calls.statNoSync(cur);
                        if (up == null || crossesAMount(startX, up)) {
                            return new Located.Failed(up == null ? Errno.EIO : Errno.EXDEV);
                        }
                    }
                    continue;
                }
                boolean procRoot = isProcRoot(cur, fsType);
                // Into the sysctls of the task's namespaces (decided once stepped in, below), which
                // name no process: none of the checks on process entries applies.
                boolean sysctls = procRoot && (comp.equals("sys") || comp.equals("sysvipc")) && r.otherSysctls().getAsBoolean();
                if (procRoot && !sysctls) {
                    Numbering numbering = numbering(cur);
                    boolean self = comp.equals("self") || comp.equals("thread-self");
                    // The kernel follows neither a last "self" under O_NOFOLLOW or O_CREAT|O_EXCL (EEXIST),
                    // nor looks up a last "self/" under O_CREAT (EISDIR).
                    boolean literal = last && (trailingSlash ? (r.flags() & O_CREAT) != 0
                            : (r.flags() & O_NOFOLLOW) != 0 || (r.flags() & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL));
                    if (self && literal) {
                        self = false; // the symlink itself, looked up below like any other
                    } else if (self && (res & RESOLVE_NO_SYMLINKS) != 0) {
                        return new Located.Failed(Errno.ELOOP); // "self" is a symlink, if not a magic one
                    }
                    if (self) {
                        int[] ids = numbering == Numbering.SECCHECKS ? new int[] {r.tgid(), r.tid()} : idsIn(cur, r);
                        if (ids == null) {
                            return new Located.Failed(Errno.ENOENT); // not in that procfs's pid namespace
                        }
                        if (comp.equals("thread-self")) {
                            todo.addFirst(Integer.toString(ids[1]));
                            todo.addFirst("task");
                            last = false;
                        }
                        comp = Integer.toString(ids[0]);
                    }
                    boolean intoPrivate = !last && !PublicProcEntries.reaches(todo, writes(r));
                    if (intoPrivate && (numbering == Numbering.ANCESTORS || numbering == Numbering.UNPLACED) && !self) {
                        // A procfs where seccheck is seen under another number (or whose numbering
                        // cannot be told): which entries are its own or outside the run cannot be
                        // told, so none but the program's.
                        return new Located.Failed(Errno.EACCES);
                    }
                    if (intoPrivate && numbering == Numbering.SECCHECKS && outOfReach(comp, r)) {
                        // seccheck's own /proc entry, or a process's outside the run: only what the
                        // kernel shows any user of any process (PublicProcEntries); never its fds,
                        // memory, environment, cwd or root (OutsideProcesses). seccheck's is no
                        // exception: what it shows there anyone on the machine may read natively.
                        return new Located.Failed(Errno.EACCES);
                    }
                    if (intoPrivate && numbering == Numbering.UNSEEN && !self && outOfReachIn(cur, comp, r)) {
                        return new Located.Failed(Errno.EACCES); // the same, numbered by another namespace
                    }
                }
                if (last && trailingSlash && (r.flags() & O_CREAT) != 0) {
                    // As the kernel: creating "name/" is refused, once the walk may search the
                    // directory holding it (EACCES first).
                    int here = step(cur, ".", WALK);
                    if (here < 0) {
                        return new Located.Failed(-here);
                    }
                    PathCalls.close(here);
                    return new Located.Failed(Errno.EISDIR);
                }
                int next = step(cur, comp, WALK);
                if (next < 0) {
                    if (last && next == -Errno.ENOENT) {
                        int dir = cur;
                        cur = -1;
                        return new Located.Missing(dir, comp, trailingSlash);
                    }
                    return new Located.Failed(-next);
                }
                PathCalls.Statx sx = calls.statNoSync(next);
                if (sx == null) {
                    PathCalls.close(next);
                    return new Located.Failed(Errno.EIO);
                }
                PathCalls.Stat st = sx.stat();
                if ((res & RESOLVE_NO_XDEV) != 0 && crossesAMount(startX, sx)) {
                    PathCalls.close(next);
                    return new Located.Failed(Errno.EXDEV);
                }
                long fromType = fsType;
                if (!onLocal(r, next, sx)) {
                    PathCalls.close(next);
                    return new Located.Elsewhere();
                }
                if (sysctls && fsType == PathCalls.PROC_SUPER_MAGIC) {
                    // The task's namespaces' sysctls, which this thread's walk would not find. Another
                    // filesystem mounted over them (a tmpfs, as sandboxes mask /proc/sys) is the same in
                    // every namespace and is walked into as any directory: before, the walk stopped at
                    // the name, and a task that changed into such a mount was killed at the chdir's exit.
                    PathCalls.close(next);
                    return new Located.Sysctls();
                }
                if (fsType == PathCalls.PROC_SUPER_MAGIC && st.ino() != PROC_ROOT_INO
                        && (fromType != PathCalls.PROC_SUPER_MAGIC || mountOf(cur, null) != mountOf(next, sx))) {
                    // A mount crossed onto a part of a procfs: the object is that mount's root, whose
                    // place in its procfs says whose entry it is, whatever name the mount has here.
                    Located there = stopOnPlace(r, places.mountRoot(next, r.tid()), todo,
                            numbering(next) == Numbering.SECCHECKS ? pid -> outOfReach(pid, r) : pid -> true);
                    if (there != null) {
                        PathCalls.close(next);
                        return there;
                    }
                }
                if (!st.isSymlink()) {
                    if (last && todo.isEmpty()) {
                        if (createsIfMissing(r) && !st.isDirectory() && !mayOpenCreating(cur, st, r)) {
                            PathCalls.close(next);
                            return new Located.Failed(Errno.EACCES);
                        }
                        int parent = cur;
                        cur = -1;
                        return new Located.Found(next, st, trailingSlash, parent, comp);
                    }
                    cur = replace(cur, next);
                    continue;
                }
                if (last && (r.flags() & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                    PathCalls.close(next);
                    return new Located.Failed(Errno.EEXIST); // O_EXCL never follows the last symlink
                }
                if (last && !trailingSlash && (r.flags() & O_NOFOLLOW) != 0) {
                    if ((r.flags() & O_PATH) != 0) {
                        return new Located.Found(next, st, false, -1, null);
                    }
                    PathCalls.close(next);
                    // The kernel's order on the symlink itself: O_CREAT in a sticky directory, then
                    // O_DIRECTORY (a symlink is none), then the refusal to open a symlink.
                    if (createsIfMissing(r) && !mayOpenCreating(cur, st, r)) {
                        return new Located.Failed(Errno.EACCES);
                    }
                    return new Located.Failed((r.flags() & O_DIRECTORY) != 0 ? Errno.ENOTDIR : Errno.ELOOP);
                }
                // Whether the link's mount is nosymfollow, asked while our fd of the link is open;
                // a magic link is followed by the kernel, which looks at its mount itself.
                boolean mountFollows = fromType == PathCalls.PROC_SUPER_MAGIC || calls.followsSymlinks(next, sx.uniqueMountId());
                PathCalls.close(next);
                if (++links > MAX_LINKS) {
                    return new Located.Failed(Errno.ELOOP);
                }
                // The kernel's order: the link count, then the protection of a trailing symlink in
                // a sticky directory, then a refusal of symlinks altogether (RESOLVE_NO_SYMLINKS,
                // or a mount whose symlinks are not followed: nosymfollow).
                if (last && r.trailing() && !mayFollow(cur, st, r)) {
                    return new Located.Failed(Errno.EACCES);
                }
                if ((res & RESOLVE_NO_SYMLINKS) != 0 || !mountFollows) {
                    return new Located.Failed(Errno.ELOOP);
                }
                if (!procRoot && fromType == PathCalls.PROC_SUPER_MAGIC) {
                    // A magic link: opening it yields the object of the process it belongs to.
                    if ((res & RESOLVE_NO_MAGICLINKS) != 0) {
                        return new Located.Failed(Errno.ELOOP);
                    }
                    if (!mayFollowMagic(cur, r)) {
                        return new Located.Failed(Errno.EACCES);
                    }
                    int linked = step(cur, comp, O_PATH | O_CLOEXEC);
                    if (linked >= 0 && pathFiles != null && !decidedLink(cur, comp, linked)) {
                        PathCalls.close(linked);
                        log.accept(undecidedPathFile(r.tid(), r.path(), "the file its " + comp + " links to"));
                        return new Located.Failed(Errno.EACCES);
                    }
                    cur = replace(cur, linked);
                    int refused = cur < 0 ? 0 : jumpsThroughAMagicLink(res, startX, cur);
                    if (refused != 0) {
                        return new Located.Failed(refused);
                    }
                    Located stop = stopAt(r, cur);
                    if (stop != null) {
                        return stop;
                    }
                    Located there = stopInProc(r, cur, todo);
                    if (there != null) {
                        return there;
                    }
                    continue;
                }
                String target = calls.readlinkat(cur, comp);
                if (target == null || target.isEmpty()) {
                    return new Located.Failed(Errno.ENOENT);
                }
                boolean slash = push(todo, target);
                if (last) {
                    trailingSlash |= slash;
                }
                if (target.startsWith("/")) {
                    if ((res & RESOLVE_BENEATH) != 0) {
                        return new Located.Failed(Errno.EXDEV);
                    }
                    int refused = jumpsToTheRoot(res, rootTaken, startX, anchor);
                    if (refused != 0) {
                        return new Located.Failed(refused);
                    }
                    cur = replace(cur, top(anchor));
                    Located stop = stopAt(r, cur);
                    if (stop != null) {
                        return stop;
                    }
                    Located there = stopInProc(r, cur, todo); // a root in procfs
                    if (there != null) {
                        return there;
                    }
                }
                // The target's leading directories, opened by the kernel in one step where it may
                // (from the program's root, as for a name given absolute; from the link's
                // directory, following no symlink).
                cur = descendAfterLink(r, cur, todo, target.startsWith("/"));
            }
            PathCalls.Stat st = calls.fstat(cur);
            int found = cur;
            cur = -1;
            return new Located.Found(found, st, trailingSlash, -1, null);
        } finally {
            PathCalls.close(cur);
            if (anchor != root) {
                anchor.close();
            }
        }
    }

    /** Looks up one component for the walk: our fd of {@code name} in {@code dir}, or -errno. */
    private int step(int dir, String name, int flags) {
        return calls.openat(dir, name, flags);
    }

    /**
     * Lets the kernel open, in one openat2 from {@code cur}, the directory named by the leading
     * components of {@code todo} (all but the last, up to the first "." or ".."), and returns that
     * directory's fd in place of {@code cur} with those components taken off {@code todo}; or
     * returns {@code cur} unchanged, {@code todo} untouched, when the kernel may not or could not.
     *
     * <p>What keeps the kernel's resolution the program's: {@code RESOLVE_NO_XDEV} confines it to
     * the mount of {@code cur}, whose filesystem is not procfs (so neither {@code self} nor a magic
     * link can be met, seccheck's own /proc entry cannot be reached, and a local-only walk stays on
     * the filesystem it checked); the walk runs with the program's identity assumed, so each
     * directory's search permission is the program's; symlinks are followed only when {@code cur}
     * is the program's root and the path absolute, under {@code RESOLVE_IN_ROOT}, which resolves
     * absolute targets and ".." from that root as the program's own open would; from a cwd or a
     * dirfd no symlink is followed ({@code RESOLVE_NO_SYMLINKS}: an absolute target must restart
     * from the program's root, not seccheck's). Whatever stops the kernel (EXDEV, ELOOP, ENOENT,
     * ENOTDIR, EACCES...) is met again by the component walk, which reports it as natively.
     *
     * <p>One difference is left: symlinks the kernel followed here are not counted towards the
     * walk's limit of 40, so a path needing more than 40 in all can open where natively it fails
     * with ELOOP. The object opened is still the one that name reaches, and is decided on.
     */
    private int descend(Request r, int cur, Deque<String> todo, boolean fromRoot) {
        if (!kernelWalks || fsType == PathCalls.PROC_SUPER_MAGIC || todo.size() < 2) {
            return cur;
        }
        StringBuilder prefix = new StringBuilder();
        int taken = 0;
        Iterator<String> it = todo.iterator();
        for (int i = 0; i < todo.size() - 1; i++) {
            String comp = it.next();
            if (comp.equals(".") || comp.equals("..")) {
                break;
            }
            if (taken > 0) {
                prefix.append('/');
            }
            prefix.append(comp);
            taken++;
        }
        if (taken == 0) {
            return cur;
        }
        boolean links = fromRoot && (r.resolve() & RESOLVE_NO_SYMLINKS) == 0;
        long how = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | (links ? RESOLVE_IN_ROOT : RESOLVE_NO_SYMLINKS);
        int dir = calls.openat2(cur, prefix.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, how);
        if (dir < 0) {
            if (dir == -Errno.ENOSYS) {
                kernelWalks = false; // a kernel before 5.6: every walk goes component by component
            }
            return cur;
        }
        for (int i = 0; i < taken; i++) {
            todo.pollFirst();
        }
        PathCalls.close(cur);
        descents++;
        return dir;
    }

    /**
     * {@link #descend} from the directory a symlink led the walk to (the program's root for an
     * absolute target, else the link's directory), whose filesystem is asked first: the walk's
     * type of the place it stands on ({@code fsType}) was the link's, and {@link #descend} must not
     * start in a procfs.
     */
    private int descendAfterLink(Request r, int cur, Deque<String> todo, boolean fromRoot) {
        if (!kernelWalks || todo.size() < 2 || todo.peekFirst().equals(".") || todo.peekFirst().equals("..")) {
            return cur;
        }
        PathCalls.Statx here = calls.statNoSync(cur);
        return here != null && onLocal(r, cur, here) ? descend(r, cur, todo, fromRoot) : cur;
    }

    /** How many walks so far had their leading directories opened by the kernel in one step. */
    long descents() {
        return descents;
    }

    /** Pushes the components of {@code path} in front of {@code todo}; returns whether it ends in a slash. */
    private static boolean push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty()) {
                todo.addFirst(parts[i]);
            }
        }
        return path.endsWith("/") && parts.length > 0;
    }

    /**
     * Whether the request opens what it finds with O_CREAT (and neither O_EXCL nor O_PATH, which
     * drops it): an existing object found at the end of the program's name then passes the
     * protection of sticky directories.
     */
    private static boolean createsIfMissing(Request r) {
        return (r.flags() & (O_CREAT | O_EXCL | O_PATH)) == O_CREAT && r.trailing();
    }

    /**
     * Whether the program may follow the trailing symlink {@code link} found in {@code dir}
     * ({@code fs.protected_symlinks}); the directory is looked at only for another user's link.
     */
    private boolean mayFollow(int dir, PathCalls.Stat link, Request r) {
        if (link.uid() == r.fsuid()) {
            return true;
        }
        PathCalls.Statx d = calls.statNoSync(dir);
        return d != null && StickyDirectories.mayFollow(d.stat(), link, r.fsuid(), PROTECTED_SYMLINKS);
    }

    /**
     * Whether the program may open with O_CREAT the existing {@code file} found in {@code dir}
     * ({@code fs.protected_regular}, {@code fs.protected_fifos}).
     */
    private boolean mayOpenCreating(int dir, PathCalls.Stat file, Request r) {
        if (file.uid() == r.fsuid()) {
            return true;
        }
        PathCalls.Statx d = calls.statNoSync(dir);
        return d != null && StickyDirectories.mayOpenCreating(d.stat(), file, r.fsuid(), PROTECTED_REGULAR,
                PROTECTED_FIFOS);
    }

    /**
     * Magic links of another process are followed only when the program could follow them itself:
     * not seccheck's own, (when seccheck is root) only those of processes owned by the program's
     * fsuid, since root's CAP_SYS_PTRACE would let seccheck through where the program could not
     * go, and only those of a task the program's thread passes the kernel's ptrace access check
     * over, its user namespace counted ({@link PtraceAccess}: the kernel makes that check of
     * seccheck's thread, in seccheck's user namespace).
     */
    private boolean mayFollowMagic(int dir, Request r) {
        PathCalls.Stat st = calls.fstat(dir);
        return st != null && (r.fsuid() == 0 || st.uid() == r.fsuid())
                && (access == null || access.refusal(r.tid(), dir) == 0);
    }

    /**
     * Records the filesystem {@code fd} is on (its type asked only when the device changed) and
     * returns whether the walk may go on: always, unless the request is local-only and that
     * filesystem is not local ({@link LocalFilesystems}). Nothing here asks the filesystem itself:
     * the file's attributes are statx's without sync, its type the superblock's magic from the
     * kernel's record of the mount ({@link #typeOf}). A FUSE server that answers the program but
     * not seccheck could otherwise hold the walk on an fstat or fstatfs of its mount's root.
     *
     * @param sx fd's statx when the caller has it, else null
     */
    private boolean onLocal(Request r, int fd, PathCalls.Statx sx) {
        PathCalls.Statx s = sx != null ? sx : calls.statNoSync(fd);
        if (s == null) {
            fsType = typeOf(r, fd, null);
            device = -1;
        } else if (s.stat().dev() != device) {
            fsType = typeOf(r, fd, s);
            device = s.stat().dev();
        }
        return !r.localOnly() || LocalFilesystems.isLocal(fsType);
    }

    /**
     * The filesystem type (statfs's f_type) of {@code fd}, whose statx is {@code s}: the magic
     * of its mount's superblock ({@link LocalFilesystems#magicOf}), which asks no filesystem. A
     * mount statmount cannot tell (of another mount namespace, or out of seccheck's reach) is
     * unknown (-1) to a local-only walk, which then leaves it; other walks may wait, and ask
     * fstatfs. Before Linux 6.8 every walk asks fstatfs, as the type cannot be had otherwise.
     */
    private long typeOf(Request r, int fd, PathCalls.Statx s) {
        long magic = LocalFilesystems.magicOf(calls, s);
        if (magic >= 0) {
            return magic;
        }
        if (magic == LocalFilesystems.UNKNOWN && r.localOnly()) {
            return -1;
        }
        return calls.fsType(fd);
    }

    /**
     * Whether our fd {@code fd} is of a file on a local filesystem, told as a local-only walk
     * tells it, without asking the file's filesystem.
     */
    boolean isLocal(int fd) {
        device = -1;
        return onLocal(new Request(0, 0, 0, "", 0, 0, true), fd, null);
    }

    /** How a procfs numbers processes, seen from seccheck (each procfs is of one pid namespace). */
    enum Numbering {
        /** As seccheck's own: a procfs of seccheck's pid namespace (its /proc, or another mount of one). */
        SECCHECKS,
        /** Seccheck is seen in it under another number: a procfs of an ancestor pid namespace. */
        ANCESTORS,
        /** Seccheck is not seen in it: a procfs of a pid namespace below seccheck's (a container's). */
        UNSEEN,
        /**
         * Its root is not above the directory (a part of it mounted on another filesystem), so its
         * numbering cannot be told: which process an entry is cannot be either.
         */
        UNPLACED
    }

    /**
     * How the procfs of our fd {@code fd} (a directory of it) numbers processes, told by what its
     * {@code self} names for seccheck's thread (the kernel's answer for the looking task in that
     * procfs's namespace). An fd below the procfs's root is told by that procfs's own root, reached
     * by ".." ({@link ProcPlaces#rootOf}); {@link Numbering#UNPLACED} when it is not above.
     */
    private Numbering numbering(int fd) {
        PathCalls.Stat st = calls.fstat(fd);
        if (st != null && st.dev() == ownProcDev()) {
            return Numbering.SECCHECKS;
        }
        int root = places.rootOf(fd);
        if (root < 0) {
            return Numbering.UNPLACED;
        }
        try {
            String self = calls.readlinkat(root, "self");
            return self == null ? Numbering.UNSEEN
                    : self.equals(Integer.toString(supervisor)) ? Numbering.SECCHECKS : Numbering.ANCESTORS;
        } finally {
            PathCalls.close(root);
        }
    }

    /** The device of seccheck's own /proc, asked once. */
    private long ownProcDev() {
        if (ownProcDev == -1) {
            PathCalls.Stat own = calls.stat("/proc/self");
            ownProcDev = own == null ? -2 : own.dev();
        }
        return ownProcDev;
    }

    /**
     * The program's tgid and tid as the procfs whose root is {@code root} numbers them, as the
     * kernel's {@code self} and {@code thread-self} name the looking task's there; null when the
     * task is not in that procfs's pid namespace. Found among the task's pids in each of its
     * namespaces ({@code NStgid}, {@code NSpid}): the one whose entry there is a task of the same
     * pid namespace with the same pid in it.
     */
    private int[] idsIn(int root, Request r) {
        byte[] raw = new byte[4096];
        int len = readAll(AT_FDCWD, "/proc/" + r.tid() + "/status", raw);
        String ns = calls.readlinkat(AT_FDCWD, "/proc/" + r.tid() + "/ns/pid");
        long[] tgids = len < 0 ? null : Procfs.numbers(raw, len, "NStgid:", 10);
        long[] tids = len < 0 ? null : Procfs.numbers(raw, len, "NSpid:", 10);
        if (ns == null || tgids == null || tids == null || tgids.length != tids.length || tgids.length == 0) {
            return null;
        }
        long innermost = tgids[tgids.length - 1];
        for (int i = tgids.length - 1; i >= 0; i--) {
            String entry = Long.toString(tgids[i]);
            if (!ns.equals(calls.readlinkat(root, entry + "/ns/pid"))) {
                continue;
            }
            int n = readAll(root, entry + "/status", raw);
            long[] there = n < 0 ? null : Procfs.numbers(raw, n, "NStgid:", 10);
            if (there != null && there.length > 0 && there[there.length - 1] == innermost) {
                return new int[] {(int) tgids[i], (int) tids[i]};
            }
        }
        return null;
    }

    /**
     * Whether the walk may go on to {@code linked}, our fd of what magic link {@code comp} in procfs
     * directory {@code dir} led to: yes for any link but a descriptor's ({@code fd/N}); for one,
     * when the descriptor's {@code fdinfo}, read after the jump, names that very object (the same
     * inode on the same mount: another thread may have put another file under the number
     * meanwhile, whose flags would then be the wrong ones) and its file is no O_PATH one, or one
     * whose object was decided ({@link DecidedPathFiles}). No fdinfo, or one that names another
     * object, is a no. (A swap between two files of one mount whose inode fdinfo does not show,
     * before Linux 5.14, goes unseen.)
     */
    private boolean decidedLink(int dir, String comp, int linked) {
        if (comp.isEmpty() || !comp.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        byte[] info = new byte[512];
        int n = readAll(dir, "../fdinfo/" + comp, info);
        if (n <= 0) {
            return false;
        }
        String text = "\n" + new String(info, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        long flags = fdinfoField(text, "flags", 8);
        long mount = fdinfoField(text, "mnt_id", 10);
        long ino = fdinfoField(text, "ino", 10);
        PathCalls.Stat st = calls.fstat(linked);
        // fdinfo's "ino" came with Linux 5.14; before it, the mount alone is compared.
        if (flags < 0 || mount < 0 || st == null || ino >= 0 && st.ino() != ino || calls.mountId(linked) != mount) {
            return false;
        }
        return !DecidedPathFiles.isPath(flags) || pathFiles.decided(calls, linked);
    }

    /** The number after {@code "\nNAME:"} in fdinfo text {@code text}, in {@code radix}; -1 when there is none. */
    private static long fdinfoField(String text, String name, int radix) {
        int at = text.indexOf("\n" + name + ":");
        if (at < 0) {
            return -1;
        }
        int from = at + name.length() + 2;
        int end = text.indexOf('\n', from);
        try {
            return Long.parseLong(text.substring(from, end < 0 ? text.length() : end).trim(), radix);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads the small file {@code name} (relative to {@code dirfd}) into {@code into}: its length, or -errno. */
    private int readAll(int dirfd, String name, byte[] into) {
        int fd = calls.openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return fd;
        }
        try {
            return calls.pread(fd, into, 0);
        } finally {
            PathCalls.close(fd);
        }
    }

    /** Whether {@code fd}, on a filesystem of type {@code type}, is procfs's root. */
    private boolean isProcRoot(int fd, long type) {
        if (type != PathCalls.PROC_SUPER_MAGIC) {
            return false;
        }
        PathCalls.Stat st = calls.fstat(fd);
        return st != null && st.ino() == PROC_ROOT_INO;
    }

    /**
     * Where the walk must stop at {@code cur}, with {@code todo} left, when it got there in procfs
     * other than through its root (it started there, a working directory or descriptor in procfs,
     * a magic link, a ".." out of a mount or a symlink to the program's root brought it there);
     * null to go on. Outside procfs, at its root, and with nothing left to look up, it goes on.
     * Decided on the directory's place in its procfs ({@link ProcPlaces}: the mount's root within
     * the procfs and the names below it, not the path, whose mount points the program chooses), as
     * {@link #stopOnPlace} says; the same with nothing left to look up, for an open that may write:
     * the walk was brought by a magic link ({@code /proc/self/fd/N}) onto a file of such a process,
     * which the program may hold for reading only. A place that cannot be told is refused (fail
     * closed). In a procfs of a pid namespace where seccheck is not seen, the process's number is
     * that namespace's ({@link #stopInUnseen}).
     */
    private Located stopInProc(Request r, int cur, Deque<String> todo) {
        if (fsType != PathCalls.PROC_SUPER_MAGIC || (todo.isEmpty() && !writes(r)) || isProcRoot(cur, fsType)) {
            return null;
        }
        PathCalls.Stat st = calls.fstat(cur);
        if (st == null) {
            return new Located.Failed(Errno.EACCES);
        }
        if (!st.isDirectory() && st.dev() != ownProcDev()) {
            return stopOnForeignFile(r, cur, todo);
        }
        Numbering numbering = numbering(cur);
        if (numbering == Numbering.UNSEEN) {
            return stopInUnseen(r, cur, todo);
        }
        Deque<String> place = places.of(cur, r.tid(), ownProcDev());
        Located stop = stopOnPlace(r, place, todo, numbering == Numbering.SECCHECKS ? pid -> outOfReach(pid, r) : pid -> true);
        if (numbering == Numbering.UNPLACED && place != null && stop instanceof Located.Failed) {
            return unplaced(r, "its procfs's root is not above the directory (a part of a procfs mounted on another"
                    + " filesystem), so which process's entry it is cannot be told");
        }
        return stop;
    }

    /** EACCES for a walk onto a part of a procfs that cannot be placed in it, with a line saying {@code why}. */
    private Located unplaced(Request r, String why) {
        log.accept("refused (EACCES) a walk of task " + r.tid() + " (" + Procfs.comm(r.tid()) + ") to " + r.path()
                + ": " + why);
        return new Located.Failed(Errno.EACCES);
    }

    /**
     * What ends the walk on an object of a procfs at {@code place} (the names from that procfs's
     * root, {@link ProcPlaces}; null when it could not be told) with {@code todo} left to look up:
     * <ul>
     * <li>{@link Located.Failed} EACCES for no place (fail closed), and in the entry of a process
     *     out of the program's reach ({@code outside}, given the number the procfs names it by:
     *     {@link #outOfReach} in a procfs numbered as seccheck's, {@link #outOfReachIn} in one of a
     *     pid namespace below, any process where the numbering cannot be told, as in a part of a
     *     procfs mounted elsewhere) beyond what the kernel shows anyone ({@link PublicProcEntries},
     *     the names from /proc/PID/ to the object and then {@code todo} counted), as through the
     *     procfs's root;
     * <li>{@link Located.Sysctls} below {@code sys} or in {@code sysvipc}, for a task whose network
     *     or IPC namespace is not this thread's;
     * <li>null otherwise: at the procfs's root too, where each name is looked at as it is met.
     * </ul>
     */
    private Located stopOnPlace(Request r, Deque<String> place, Deque<String> todo, Predicate<String> outside) {
        if (place == null) {
            return unplaced(r, "the place in its procfs of a directory or file it reached cannot be told (a mount"
                    + " the task's mount table does not show, or a file that is not where its name says)");
        }
        if (place.isEmpty()) {
            return null;
        }
        String first = place.getFirst();
        if (!first.isEmpty() && first.chars().allMatch(Character::isDigit)) {
            Deque<String> within = new ArrayDeque<>(place);
            within.removeFirst();
            within.addAll(todo);
            boolean guarded = outside.test(first);
            return guarded && !PublicProcEntries.reaches(within, writes(r)) ? new Located.Failed(Errno.EACCES) : null;
        }
        boolean sysctls = first.equals("sys") || first.equals("sysvipc");
        return sysctls && r.otherSysctls().getAsBoolean() ? new Located.Sysctls() : null;
    }

    /** The mount our fd {@code fd} is on (its statx {@code sx}, or null to ask): its unique id, else mountinfo's; -1 if neither. */
    private long mountOf(int fd, PathCalls.Statx sx) {
        PathCalls.Statx s = sx != null ? sx : calls.statNoSync(fd);
        if (s != null && s.uniqueMountId() > 0) {
            return s.uniqueMountId();
        }
        long id = calls.mountId(fd);
        return id < 0 ? -1 : id;
    }

    /**
     * {@link #stopInProc} on a directory of a procfs seccheck is not seen in: EACCES in the
     * directory of a process outside the run ({@link #outOfReachIn}), but for its public entries,
     * or where the directory cannot be placed; null to go on. The process is the one the first
     * name of the directory's place in its procfs names ({@link ProcPlaces}: its mount's root
     * within the procfs and the names below it, never the name of a mount point the program chose),
     * in the namespace of that procfs, whose root is found above the directory by
     * {@link ProcPlaces#rootOf}.
     */
    private Located stopInUnseen(Request r, int cur, Deque<String> todo) {
        int root = places.rootOf(cur);
        if (root < 0) {
            return unplaced(r, "the root of the directory's procfs is no longer above it");
        }
        try {
            return stopOnPlace(r, places.of(cur, r.tid(), ownProcDev()), todo, pid -> outOfReachIn(root, pid, r));
        } finally {
            PathCalls.close(root);
        }
    }

    /**
     * {@link #stopInProc} on a file of a procfs other than seccheck's /proc (a magic link's, to be
     * written), which cannot be climbed from: refused when its path has a number for a name on the
     * way (a process's or thread's directory), or the root of its mount within the procfs has,
     * whose process cannot be told; null for a file of no process's directory (a sysctl's).
     */
    private Located stopOnForeignFile(Request r, int cur, Deque<String> todo) {
        String here = calls.readlinkat(AT_FDCWD, "/proc/self/fd/" + cur);
        boolean numbered = here == null || java.util.Arrays.stream(here.split("/"))
                .anyMatch(c -> !c.isEmpty() && c.chars().allMatch(Character::isDigit));
        return todo.isEmpty() && !numbered && noNumberAbove(cur, r) ? null : new Located.Failed(Errno.EACCES);
    }

    /**
     * Whether the root of the mount our fd {@code fd} is on names no number within its procfs: a
     * file mounted alone (a process's, bind-mounted over a file) shows none in its path.
     */
    private boolean noNumberAbove(int fd, Request r) {
        Deque<String> root = places.mountRoot(fd, r.tid());
        return root != null && root.stream().noneMatch(c -> !c.isEmpty() && c.chars().allMatch(Character::isDigit));
    }

    /**
     * Whether {@code comp}, a name in the root {@code root} of a procfs seccheck is not seen in (of
     * a pid namespace below seccheck's: the program's own, or a container's whose mounts the
     * program joined), is the entry of a process outside the run. Its number is that namespace's,
     * translated into seccheck's through the namespace's file (NS_GET_PID_FROM_PIDNS), taken from
     * the procfs's process 1, its init (its directory in that procfs, not a mount over it). An
     * entry whose number cannot be translated is taken as outside (fail closed); a name of no
     * process is not (the walk then fails as natively).
     */
    private boolean outOfReachIn(int root, String comp, Request r) {
        if (comp.isEmpty() || comp.length() > 10 || !comp.chars().allMatch(Character::isDigit)) {
            return false;
        }
        long pid = Long.parseLong(comp);
        if (pid > Integer.MAX_VALUE) {
            return false;
        }
        // The namespace's file is the procfs's own /1/ns, no mount the program put over it.
        int nsDir = calls.openat2(root, "1/ns", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS);
        int ns = nsDir < 0 ? nsDir : calls.openat(nsDir, "pid", O_RDONLY | O_CLOEXEC);
        PathCalls.close(nsDir);
        long ours = ns < 0 ? ns : NamespaceFiles.pidFromNamespace(ns, (int) pid);
        PathCalls.close(ns);
        if (ours <= 0) {
            int entry = calls.openat(root, comp, O_PATH | O_CLOEXEC);
            PathCalls.close(entry);
            return entry >= 0;
        }
        return outOfReach(Long.toString(ours), r);
    }

    /**
     * Whether {@code comp}, a name in procfs's root, is the entry of seccheck (or of one of its
     * threads) or of a process outside the run: a pid whose process is not ptraced by seccheck,
     * or, for the program, a task of a {@code seccheck exec} command (the operator's).
     * A pid of no process is not: the walk then fails as natively (ENOENT); nor the caller's own.
     */
    private boolean outOfReach(String comp, Request r) {
        if (comp.isEmpty() || comp.length() > 10 || !comp.chars().allMatch(Character::isDigit)) {
            return false;
        }
        long pid = Long.parseLong(comp);
        if (pid > Integer.MAX_VALUE || pid == r.tgid() || pid == r.tid()) {
            return pid == supervisor;
        }
        return pid == supervisor || OutsideProcesses.outsideTheRun((int) pid)
                || operators.from((int) pid, r.tid());
    }

    /**
     * Whether {@code name}, the path seccheck sees for a file just opened for task {@code tid} of
     * process {@code tgid}, lies in the /proc entry of another process, beyond what anyone may
     * read there, that is out of the caller's reach now ({@code operators}): looked at again once
     * the file is open, since a process whose exec started after the walk looked at its entry
     * shields its new program only from then on (TaskTable#execStarted), and /proc/PID/mem opened
     * meanwhile holds that program's memory. The exec's shield goes up before the kernel maps
     * anything, so an open that got the new memory finds it up here. Before, a parent read a
     * program a rule kept from it out of its executing child so.
     */
    boolean outOfReachNow(String name, int tid, int tgid) {
        if (!name.startsWith("/proc/")) {
            return false;
        }
        int slash = name.indexOf('/', "/proc/".length());
        if (slash < 0) {
            return false;
        }
        String pid = name.substring("/proc/".length(), slash);
        if (pid.isEmpty() || pid.length() > 10 || !pid.chars().allMatch(Character::isDigit)) {
            return false;
        }
        long p = Long.parseLong(pid);
        if (p > Integer.MAX_VALUE || p == tgid || p == tid
                || PublicProcEntries.reaches(below(name.substring(slash), new ArrayDeque<>()), false)) {
            return false;
        }
        return operators.from((int) p, tid);
    }

    /**
     * The names below a process's /proc directory: those of {@code within} (what lies between that
     * directory and the walk's, "/task/12" or empty), then those left to look up.
     */
    private static Deque<String> below(String within, Deque<String> todo) {
        Deque<String> all = new ArrayDeque<>(todo);
        String[] parts = within.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty()) {
                all.addFirst(parts[i]);
            }
        }
        return all;
    }

    /**
     * Whether the request's open may write what it reaches: an access mode other than O_RDONLY,
     * or O_TRUNC (O_PATH drops them; O_CREAT creates nothing in /proc/PID/, whose directories
     * have no way to). The other walks (an attribute change, a link, a connect) are taken as
     * reads, as before: procfs refuses a /proc/PID/ entry a new mode or name, and gives it its
     * task's owner again at each lookup.
     */
    private static boolean writes(Request r) {
        int f = r.flags();
        return (f & O_PATH) == 0 && ((f & O_ACCMODE) != O_RDONLY || (f & O_TRUNC) != 0);
    }

    /**
     * What ends the walk now that it moved onto {@code cur}: the errno of the open that was to
     * bring it there ({@code cur} negative), or a local-only walk reaching a filesystem whose
     * lookups may block; null when the walk goes on.
     */
    private Located stopAt(Request r, int cur) {
        if (cur < 0) {
            return new Located.Failed(-cur);
        }
        return onLocal(r, cur, null) ? null : new Located.Elsewhere();
    }

    /**
     * Whether {@code to} is on another mount than the walk's start {@code from}, as RESOLVE_NO_XDEV
     * asks: by the mounts' unique ids, so that a bind mount of the start's own filesystem (the same
     * device) stops the walk as it stops the kernel's; by device where the kernel gives no such id
     * (before Linux 6.8), where such a bind mount is not seen.
     */
    static boolean crossesAMount(PathCalls.Statx from, PathCalls.Statx to) {
        if (from.uniqueMountId() > 0 && to.uniqueMountId() > 0) {
            return from.uniqueMountId() != to.uniqueMountId();
        }
        return from.stat().dev() != to.stat().dev();
    }

    /**
     * What RESOLVE_NO_XDEV makes of an absolute symlink's jump to {@code root} (the program's root,
     * or the start under IN_ROOT): 0 to go on; EXDEV when the walk has no root yet
     * ({@code rootTaken} false) or the root is on another mount than the walk, which under NO_XDEV
     * never left its start's ({@code startX}); EIO when that cannot be told. The kernel's
     * nd_jump_root() compares the walk's mount with its root's ({@code nd->path.mnt !=
     * nd->root.mnt}) before it sets a root it lacks: a relative walk sets it only at its first ".."
     * (handle_dots), so before one the comparison is with no mount, and every absolute symlink
     * fails, even one to the walk's own mount ({@code ln -s /tmp l}, opened as "l" or "./l" from a
     * cwd on the mount of /tmp), while "d/../l" or the absolute name of "l" opens.
     */
    private int jumpsToTheRoot(long res, boolean rootTaken, PathCalls.Statx startX, ProgramRoot root) {
        if ((res & RESOLVE_NO_XDEV) == 0) {
            return 0;
        }
        if (!rootTaken) {
            return Errno.EXDEV;
        }
        int fd = root.fd();
        return fd < 0 ? 0 : leavesTheMount(startX, fd); // no root: the jump reports it
    }

    /**
     * What the kernel's nd_jump_link() makes of a magic link's jump onto our fd {@code target}: 0
     * to go on; under RESOLVE_NO_XDEV, EXDEV when the target is on another mount than the walk
     * ({@code startX}'s, the link's procfs: "/proc/self" then "cwd"), EIO when that cannot be
     * told; then EXDEV under BENEATH or IN_ROOT, where it follows no magic link at all.
     */
    private int jumpsThroughAMagicLink(long res, PathCalls.Statx startX, int target) {
        if ((res & RESOLVE_NO_XDEV) != 0) {
            int refused = leavesTheMount(startX, target);
            if (refused != 0) {
                return refused;
            }
        }
        return (res & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0 ? Errno.EXDEV : 0;
    }

    /**
     * EXDEV when our fd {@code fd} is on another mount than the walk's start ({@code startX}), EIO
     * if its statx fails, else 0.
     */
    private int leavesTheMount(PathCalls.Statx startX, int fd) {
        PathCalls.Statx to = calls.statNoSync(fd);
        return to == null ? Errno.EIO : crossesAMount(startX, to) ? Errno.EXDEV : 0;
    }

    /**
     * Opens a new fd of the top an absolute name restarts the walk from ({@code anchor}), or
     * returns its negative errno when it has none.
     */
    private int top(ProgramRoot anchor) {
        int fd = anchor.fd();
        return fd < 0 ? fd : dup(fd);
    }

    private int dup(int fd) {
        return calls.openat(fd, ".", WALK);
    }

    private static int replace(int old, int next) {
        PathCalls.close(old);
        return next;
    }
}
