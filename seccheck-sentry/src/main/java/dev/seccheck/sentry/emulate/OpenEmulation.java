package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_EXCL;
import static dev.seccheck.abi.Fcntl.O_NOCTTY;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_TMPFILE;
import static dev.seccheck.abi.Fcntl.O_TRUNC;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.linux.ThreadStarts;
import dev.seccheck.sentry.defense.OutputPipes;
import dev.seccheck.sentry.defense.OwnFiles;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.ReachedFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * OpenEmulation performs open, openat, openat2 and creat for the program: it reads the path
 * once, walks it from the program's root, cwd or dirfd with the program's identity
 * ({@link PathWalk}, {@link Identity}), names the object reached ({@link RealPath}), fires the
 * enter points with that name as {@code pathname}, and only when they allow it opens the object
 * (reopening the walk's O_PATH fd, or creating the missing last component in the directory the
 * walk found) and installs the fd in the program. openat2 is reported at openat's points, its
 * RESOLVE_* flags applied by the walk; so are open_tree and open_tree_attr without
 * OPEN_TREE_CLONE, decided as the O_PATH open of their path ({@link OpenTrees}). It also
 * performs truncate(2), held only to keep the program from seccheck's own files
 * ({@link OwnFiles}): an open that would write one of them, and a truncate of one, fail with
 * EPERM after their enter points fired. The open itself (and the
 * truncate) is made where the program's own Landlock domain applies ({@link LandlockDomains}).
 */
final class OpenEmulation {

    /** CAP_SYS_PTRACE's bit: seccheck's thread holds it for an open of the caller's own process's memory file. */
    private static final long CAP_SYS_PTRACE = 1L << 19;


    private static final int OPEN_HOW_SIZE = 24;
    /** The open flags the kernel knows (its VALID_OPEN_FLAGS on x86-64): openat ignores others, openat2 refuses them. */
    private static final int VALID_OPEN_FLAGS = 037777703;
    /** The only flags an O_PATH open keeps. */
    private static final int O_PATH_FLAGS = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    /** The kernel's own bit of O_TMPFILE (__O_TMPFILE), which O_TMPFILE sets with O_DIRECTORY. */
    private static final int TMPFILE_BIT = O_TMPFILE & ~O_DIRECTORY;

    private final PathCalls calls;
    private final PathWalk walk;
    private final ProgramMemory memory;
    private final Identity.Own own;
    private final RealPath names;
    private final TaskFiles tasks;
    private final PtraceAccess access;
    private final OwnFiles ownFiles;
    private final OutputPipes outputs;
    private final Consumer<String> log;
    private final ControllingTty tty;
    private final TunDevice tun;
    private final CgroupFiles cgroups;
    private final SysvipcLists sysvipc;
    private final DeviceCgroups devices;
    private final TaskNamespaces namespaces;
    private final LandlockDomains landlock;
    /**
     * Whether a sink decides on opening files, so that a truncate by name is shown to it as the
     * file altered ({@link NameChange#altered}) before it is made.
     */
    private final boolean decidesNames;
    /** The identity the walk in progress assumed, for the open it leads to. */
    private Identity acting;

    OpenEmulation(PathCalls calls, PathWalk walk, ProgramMemory memory, Identity.Own own, RealPath names,
            TaskFiles tasks, PtraceAccess access, OwnFiles ownFiles, OutputPipes outputs, LandlockDomains landlock,
            boolean decidesNames, Consumer<String> log) {
        this.outputs = outputs;
        this.tasks = tasks;
        this.access = access;
        this.decidesNames = decidesNames;
        this.landlock = landlock;
        this.ownFiles = ownFiles;
        this.log = log;
        this.calls = calls;
        this.walk = walk;
        this.memory = memory;
        this.own = own;
        this.names = names;
        this.tty = new ControllingTty(calls);
        this.namespaces = new TaskNamespaces(calls, own);
        this.tun = new TunDevice(namespaces, landlock, log);
        this.cgroups = new CgroupFiles(calls, namespaces, landlock, log);
        this.sysvipc = new SysvipcLists(calls, namespaces, landlock, log);
        this.devices = new DeviceCgroups(calls, own, log);
    }

    /**
     * The arguments of an open, whichever syscall carried them; {@code emptyPath}: an empty path
     * names the dirfd's own file (open_tree's AT_EMPTY_PATH) rather than failing with ENOENT.
     */
    private record Args(int dirfd, long pathAddr, int flags, int mode, long resolve, boolean openat2,
            boolean emptyPath) {

        Args(int dirfd, long pathAddr, int flags, int mode, long resolve, boolean openat2) {
            this(dirfd, pathAddr, flags, mode, resolve, openat2, false);
        }

        /**
         * What the kernel refuses of these flags before it looks at the path (its
         * build_open_flags): EINVAL for O_CREAT with O_DIRECTORY (O_TMPFILE's bits included), and
         * for an O_TMPFILE open without O_DIRECTORY's bit or that cannot write. Else 0.
         */
        int refusedFlags() {
            if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) {
                return Errno.EINVAL;
            }
            if ((flags & TMPFILE_BIT) != 0 && ((flags & O_DIRECTORY) == 0 || (flags & O_ACCMODE) == O_RDONLY)) {
                return Errno.EINVAL;
            }
            return 0;
        }

        /**
         * These arguments as the kernel goes on with them: open, openat and creat's O_PATH beats
         * every other flag but {@link #O_PATH_FLAGS} (so O_CREAT neither makes a file nor makes a
         * trailing slash or a directory an error); openat2 refuses the others instead
         * ({@link #openHow}).
         */
        Args asTheKernelTakesThem() {
            if ((flags & O_PATH) == 0 || openat2) {
                return this;
            }
            return new Args(dirfd, pathAddr, flags & O_PATH_FLAGS, 0, resolve, false, emptyPath);
        }
    }

    /**
     * Serves an open. On the notifier thread ({@link Call#onNotifier}) an open whose walk would
     * look names up in a filesystem that may block, or that reaches something other than a
     * regular file or a directory (a FIFO, a device, a socket), is given up before any point fired
     * or anything was answered.
     *
     * @return false when given up: the caller serves it again on a pool thread
     */
    boolean serve(Call call) {
        SeccompNotification n = call.notification();
        Args a;
        try {
            a = args(call.tid(), n);
        } catch (ProgramMemory.Fault f) {
            // openat2's struct open_how, open_tree's flags: refused before any lookup
            call.refuse(event(call, n, null), Snapshot.NOTHING, f.errno);
            return true;
        }
        SyscallEvent ev = event(call, n, a);
        Args taken = a.asTheKernelTakesThem();
        int refused = taken.refusedFlags();
        if (refused != 0) {
            TaskMemory given;
            try {
                given = Snapshot.ofString(a.pathAddr(), memory.path(call.tid(), a.pathAddr()));
            } catch (ProgramMemory.Fault f) {
                given = Unreadable.of(f);
            }
            call.refuse(ev, given, refused); // its flags: before the path is looked at, as in the kernel
            return true;
        }
        return walk(call, ev, taken, this::openFound);
    }

    /** Serves a truncate(path, length), on a pool thread: decided on the file reached, then done on it. */
    void serveTruncate(Call call) {
        SeccompNotification n = call.notification();
        SyscallEvent ev = new SyscallEvent(call.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                n.arg5(), false, 0);
        if (n.arg1() < 0) {
            call.fail(ev, null, Errno.EINVAL); // refused before the path is looked at, as in the kernel
            return;
        }
        // Walked as an open for writing that follows symlinks and creates nothing.
        walk(call, ev, new Args(AT_FDCWD, n.arg0(), O_WRONLY, 0, 0, false),
                (c, e, a, path, at) -> truncateFound(c, e, a, path, at, n.arg1()));
    }

    /**
     * 0 when the sinks deciding on opening files let the truncate of the file named {@code name}
     * (status {@code st}) through, -EPERM when they refuse it, -EACCES when its name could not be
     * had (a mount seccheck cannot name: no rule could be checked on it).
     */
    private int refusedTruncate(Call call, Optional<String> name, PathCalls.Stat st) {
        if (name.isEmpty()) {
            return -Errno.EACCES;
        }
        NameChange change = NameChange.altered("truncate", call.tgid(), call.tid(), call.comm(), name.get(),
                new ReachedFile(st.dev(), st.ino(), st.ctimeNs()));
        return call.refuses(change) ? -Errno.EPERM : 0;
    }

    /**
     * What is done with the object a walk reached, with the program's identity still assumed:
     * returns whether the rest was handed to a pool thread, which then owns what the call holds.
     */
    private interface Reached {
        boolean at(Call call, SyscallEvent ev, Args a, String path, PathWalk.Located at);
    }

    /**
     * Reads the path once, walks it from the program's root, cwd or dirfd with the program's
     * identity, and hands what it reached to {@code then}; or fails the call as the kernel would.
     *
     * @return false when given up on the notifier (see {@link #serve})
     */
    private boolean walk(Call call, SyscallEvent ev, Args a, Reached then) {
        String path;
        try {
            path = memory.path(call.tid(), a.pathAddr());
        } catch (ProgramMemory.Fault f) {
            call.failUnreadable(ev, f);
            return true;
        }
        // Unprivileged, seccheck has the program's ids already, and the umask matters only to an
        // open that does make a file: it is read then (openObject), since most opens with O_CREAT
        // find their file. As root the status is read here anyway, umask and all.
        boolean creates = (a.flags() & O_CREAT) != 0 || (a.flags() & O_TMPFILE) == O_TMPFILE;
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, creates && own.privileged(), true);
        if (who.isEmpty()) {
            call.fail(ev, Snapshot.ofString(a.pathAddr(), path), Errno.ESRCH);
            return true;
        }
        boolean fromRoot = path.startsWith("/")
                && (a.resolve() & (PathWalk.RESOLVE_BENEATH | PathWalk.RESOLVE_IN_ROOT)) == 0;
        acting = who.get();
        // The root, the walk's start and what it reached are the call's until it is answered
        // (HeldFiles), released then or, on any other way out, here; not when handed to a pool
        // thread, which answers the call.
        boolean handedOver = false;
        ProgramRoot root = call.held().root(ProgramRoot.of(calls, call.tid()));
        try (Identity.Assumed _ = who.get().assume(own)) {
            // An empty path fails before the dirfd is looked at, as in the kernel (unless it names
            // the dirfd's own file), and so does an absolute one under RESOLVE_BENEATH, which may
            // not leave the dirfd's tree.
            boolean outOfBeneath = path.startsWith("/") && (a.resolve() & PathWalk.RESOLVE_BENEATH) != 0;
            boolean dirfdsOwn = path.isEmpty() && a.emptyPath();
            int start = path.isEmpty() && !dirfdsOwn ? -Errno.ENOENT : outOfBeneath ? -Errno.EXDEV
                    : fromRoot ? -1 : startOf(call, a, dirfdsOwn);
            if (start < 0 && !fromRoot) {
                Snapshot given = Snapshot.ofString(a.pathAddr(), path);
                call.refuse(ev, given, -start);
                return true;
            }
            if ((a.resolve() & PathWalk.RESOLVE_CACHED) != 0) {
                call.refuse(ev, Snapshot.ofString(a.pathAddr(), path), cachedRefusal(start));
                return true;
            }
            PathWalk.Request req = new PathWalk.Request(call.tid(), call.tgid(), who.get().fsuid(), path, a.flags(),
                    a.resolve(), call.onNotifier(),
                    () -> namespaces.mayJoin() && namespaces.differ(call.tid(), TaskNamespaces.SYSCTLS));
            PathWalk.Located at = hold(call, dirfdsOwn ? new PathWalk.Located.Found(start, calls.fstat(start), false, -1, "")
                    : walk.find(req, start, root));
            if (at instanceof PathWalk.Located.Sysctls) {
                if (call.onNotifier()) {
                    InterruptibleOpen.found(call, InterruptibleOpen.Kind.MAY_WAIT); // walked again on a pool thread
                    return false; // on a pool thread, it is walked again from a thread in the task's namespaces
                }
                int r = namespaces.inTaskNamespaces(call.tid(), TaskNamespaces.SYSCTLS, who.get(), () -> {
                    int again = fromRoot ? -1 : startOf(call, a, dirfdsOwn);
                    if (again < 0 && !fromRoot) {
                        return again;
                    }
                    then.at(call, ev, a, path, hold(call, walk.find(req.inTaskNamespaces(), again, root)));
                    return 0; // off the notifier: nothing is handed over
                });
                if (r < 0) {
                    Snapshot given = Snapshot.ofString(a.pathAddr(), path);
                    call.refuse(ev, given, -r);
                }
                return true;
            }
            boolean lockOnly = at instanceof PathWalk.Located.Found f && FifoEnd.takesTheLockOnly(f.stat(), a.flags());
            if (!call.onNotifier()) {
                InterruptibleOpen.found(call, lockOnly ? InterruptibleOpen.Kind.LOCK_ONLY : InterruptibleOpen.Kind.MAY_WAIT);
            } else {
                boolean mayBlock = mayBlock(at, a);
                // From here on a signal repeats one that cannot wait, or only waits for a FIFO's lock.
                InterruptibleOpen.found(call, !mayBlock ? InterruptibleOpen.Kind.CANNOT_WAIT
                        : lockOnly ? InterruptibleOpen.Kind.LOCK_ONLY : InterruptibleOpen.Kind.MAY_WAIT);
                if (mayBlock) {
                    if (at instanceof PathWalk.Located.Found f && ReserveThreads.takes(f.stat(), a.flags())) {
                        call.reserveMayTake();
                    }
                    return false;
                }
            }
            handedOver = then.at(call, ev, a, path, at);
            return true;
        } finally {
            if (!handedOver) {
                call.held().release();
            }
        }
    }

    /**
     * Whether opening what the walk reached could wait on someone: a walk given up, or an object
     * other than a regular file, a directory, or one whose open never waits ({@link NonWaitingOpens}:
     * /dev/null, a socket's; never a FIFO's); or an open that must be made by the name
     * ({@link #opensByName}), which the program can make a FIFO's meanwhile. (A regular file can
     * still wait on a lease break: the notifier opens it with O_NONBLOCK and hands the open over
     * when that says EWOULDBLOCK. A missing name the notifier creates only new: {@link #create}.)
     */
    private static boolean mayBlock(PathWalk.Located at, Args a) {
        return switch (at) {
            case PathWalk.Located.Elsewhere e -> true;
            case PathWalk.Located.Found f -> {
                if ((a.flags() & O_PATH) != 0) {
                    yield false;
                }
                if (opensByName(a.flags(), f) && (a.flags() & O_DIRECTORY) == 0) {
                    // O_DIRECTORY would have the kernel refuse anything else before it opens it
                    yield true;
                }
                yield !f.directory() && (f.stat() == null || !f.stat().isRegular() && !NonWaitingOpens.never(f.stat()));
            }
            case PathWalk.Located.Missing m -> false;
            case PathWalk.Located.Failed f -> false;
            case PathWalk.Located.Sysctls s -> false;
        };
    }

    /** Makes our fds of what the walk reached the call's, released before its answer ({@link Call#held}). */
    private static PathWalk.Located hold(Call call, PathWalk.Located at) {
        switch (at) {
            case PathWalk.Located.Found f -> {
                call.held().fd(f.fd());
                call.held().fd(f.parent());
            }
            case PathWalk.Located.Missing m -> call.held().fd(m.dir());
            case PathWalk.Located.Failed f -> {}
            case PathWalk.Located.Elsewhere e -> {}
            case PathWalk.Located.Sysctls s -> {}
        }
        return at;
    }

    /** @return whether the open was handed over to a pool thread, which then owns what the call holds */
    private boolean openFound(Call call, SyscallEvent ev, Args a, String path, PathWalk.Located at) {
        boolean handedOver = false;
        switch (at) {
            case PathWalk.Located.Failed f -> {
                Snapshot given = Snapshot.ofString(a.pathAddr(), path);
                call.refuse(ev, given, reservedFirst(call, f.errno()));
            }
            case PathWalk.Located.Found f -> {
                Optional<String> name = names.of(f.fd(), call.tid());
                // A pipe, a socket, an anonymous inode (reached through a /proc/PID/fd/N link) has
                // no path: decided as what it is, named as the kernel names it (RealPath#pathless).
                Optional<String> pathless = name.isPresent() ? Optional.empty() : RealPath.pathless(calls, f.fd());
                if (pathless.isPresent()) {
                    PathCalls.Stat st = f.stat();
                    call.reached(st == null ? ReachedFile.pathlessObject(-1, -1, 0)
                            : ReachedFile.pathlessObject(st.dev(), st.ino(), st.ctimeNs()));
                } else if (f.stat() != null) {
                    // Its device and inode let a rule hold for the file under any name (a hard link, a rename).
                    // A directory's link count counts its subdirectories' "..": none is a hard link.
                    call.reached(new ReachedFile(f.stat().dev(), f.stat().ino(), f.stat().ctimeNs(),
                            f.stat().isDirectory() ? 1 : f.stat().nlink()));
                }
                Optional<String> mine = OwnFiles.writes(a.flags()) ? ownFile(f) : Optional.empty();
                if ((a.flags() & O_ACCMODE) != O_RDONLY) {
                    noteNameWrites(call, f);
                }
                handedOver = decideAndOpen(call, ev, a, path, f.fd(), pathless.isPresent() ? pathless : name, at, mine);
            }
            case PathWalk.Located.Missing m -> {
                Optional<String> dir = names.of(m.dir(), call.tid());
                Optional<String> name = dir.map(d -> RealPath.join(d, "/" + m.name()));
                if (decidesNames && dir.isPresent() && (a.flags() & O_CREAT) != 0) {
                    // Its directory's device and inode let a rule know the new name under the
                    // directory's other names (a bind mount's: RealPath gives the mount's).
                    call.creatingIn(new NameChange.Parent(dir.get(), NameWalks.reached(calls.fstat(m.dir()))));
                }
                handedOver = decideAndOpen(call, ev, a, path, -1, name, at, Optional.empty());
            }
            case PathWalk.Located.Elsewhere e -> throw new IllegalStateException("a walk off the notifier gave up");
            case PathWalk.Located.Sysctls s -> throw new IllegalStateException("a walk in the task's namespaces left them");
        }
        return handedOver;
    }

    /**
     * Truncates what the walk reached, as truncate(2) would: ENOENT for nothing, EISDIR for a
     * directory, EINVAL for anything but a regular file; else the file is opened for writing
     * (its permission, lease, append-only, immutable and busy-executable checks are the same as
     * truncate's) and ftruncate'd.
     */
    private boolean truncateFound(Call call, SyscallEvent ev, Args a, String path, PathWalk.Located at, long length) {
        try {
            Snapshot given = Snapshot.ofString(a.pathAddr(), path);
            switch (at) {
                case PathWalk.Located.Failed f -> {
                    call.refuse(ev, given, f.errno());
                }
                case PathWalk.Located.Missing m -> {
                    call.refuse(ev, given, Errno.ENOENT);
                }
                case PathWalk.Located.Found f -> {
                    Optional<String> name = names.of(f.fd(), call.tid());
                    Snapshot seen = seen(a, name, path, f.fd());
                    if (call.enter(ev, seen) != 0) {
                        return false;
                    }
                    PathCalls.Stat st = f.stat() != null ? f.stat() : calls.fstat(f.fd());
                    Optional<String> mine = ownFile(f);
                    if (st == null) {
                        call.fail(ev, seen, Errno.EIO);
                    } else if (f.trailingSlash() && !st.isDirectory()) {
                        call.fail(ev, seen, Errno.ENOTDIR);
                    } else if (st.isDirectory()) {
                        call.fail(ev, seen, Errno.EISDIR);
                    } else if (!st.isRegular()) {
                        call.fail(ev, seen, Errno.EINVAL);
                    } else if (mine.isPresent()) {
                        refuseOwn(call, ev, seen, mine.get());
                    } else {
                        int r = decidesNames ? refusedTruncate(call, name, st) : 0;
                        boolean[] pastLimit = {false};
                        if (r == 0) {
                            r = landlock.perform(call.tid(), acting, () -> {
                                int fd = calls.openat(AT_FDCWD, "/proc/thread-self/fd/" + f.fd(), O_WRONLY | O_CLOEXEC);
                                // The program's RLIMIT_FSIZE, not seccheck's: checked on the file opened,
                                // after the open's permission checks, as the kernel checks it.
                                PathCalls.Stat now = fd < 0 ? null : calls.fstat(fd);
                                int limited = fd < 0 ? 0 : now == null ? -Errno.EIO : FileSizeLimit.check(call.tgid(), now.size(), length);
                                pastLimit[0] = limited == -Errno.EFBIG;
                                int done = fd < 0 ? fd : limited != 0 ? limited : calls.ftruncate(fd, length);
                                PathCalls.close(fd);
                                return done;
                            });
                        }
                        // Pinned before the answer, while the thread waits in the call: signalled
                        // after it, the thread may have exited and its number gone to another process.
                        try (Pidfd thread = pastLimit[0] ? call.pinThread() : null) {
                            call.complete(ev, seen, r);
                            if (pastLimit[0]) {
                                FileSizeLimit.signal(call, thread);
                            }
                        }
                    }
                }
                case PathWalk.Located.Elsewhere e -> throw new IllegalStateException("a walk off the notifier gave up");
                case PathWalk.Located.Sysctls s -> throw new IllegalStateException("a walk in the task's namespaces left them");
            }
        } finally {
            call.held().release();
        }
        return false;
    }

    /**
     * Returns the name of the seccheck file {@code f} is, if it is one (see {@link OwnFiles});
     * a file that cannot be told apart is taken for one. Not when the name ends in a slash and
     * is no directory: the kernel refuses that before anything is written.
     */
    private Optional<String> ownFile(PathWalk.Located.Found f) {
        if (!ownFiles.guarded() || (f.trailingSlash() && !f.directory())) {
            return Optional.empty();
        }
        PathCalls.Stat st = f.stat() != null ? f.stat() : calls.fstat(f.fd());
        return st == null ? Optional.of("a file seccheck could not identify") : ownFiles.named(st.dev(), st.ino());
    }

    /**
     * An open for writing of a task's {@code comm} in /proc ({@code /proc/self/comm},
     * {@code /proc/PID/task/TID/comm}): a write through it renames a thread of the caller's process
     * unseen, so the names of its threads are read at every point from now on. Marked before the
     * open is decided: a refused open writes nothing, and marking costs only reads.
     */
    private void noteNameWrites(Call call, PathWalk.Located.Found f) {
        if (f.directory() || calls.fsType(f.fd()) != PathCalls.PROC_SUPER_MAGIC) {
            return;
        }
        String name = calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + f.fd());
        if (name == null || name.endsWith("/comm")) { // unnamed: taken as a comm, it costs reads only
            call.points().namesWritable(call.tgid());
            int owner = commOwner(name);
            if (owner > 0) {
                call.points().namesWritableOfTask(owner);
            }
        }
    }

    /**
     * The task whose comm {@code name} is ({@code /proc/PID/comm}, {@code /proc/PID/task/TID/comm}:
     * the number before "/comm"), or -1. Numbered as the procfs the name is on numbers tasks: a
     * procfs of another pid namespace than seccheck's gives another task's number, or none, and
     * only the opener's process is marked then (README).
     */
    static int commOwner(String name) {
        if (name == null || !name.endsWith("/comm")) {
            return -1;
        }
        int end = name.length() - "/comm".length();
        int start = name.lastIndexOf('/', end - 1) + 1;
        try {
            return start > 0 && end > start ? Integer.parseInt(name, start, end, 10) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Refuses a call that would write seccheck's own file {@code file}, its enter points fired. */
    private void refuseOwn(Call call, SyscallEvent ev, Snapshot seen, String file) {
        log.accept(OwnFiles.refusal(Sysno.name(call.notification().nr()), call.tid(), Procfs.comm(call.tid()), file));
        call.fail(ev, seen, Errno.EPERM);
    }

    /** Refuses an open for reading of seccheck's output pipe ({@link OutputPipes}), its enter points fired. */
    private void refuseOutputRead(Call call, SyscallEvent ev, Snapshot seen, String name) {
        String line = outputs.refusal(Sysno.name(call.notification().nr()), call.tid(), call.tgid(), Procfs.comm(call.tid()),
                name);
        if (line != null) {
            log.accept(line);
        }
        call.fail(ev, seen, Errno.EACCES);
    }

    /**
     * @param mine the seccheck file the open would write, refused once the enter points fired
     * @return whether the open was handed over to a pool thread, which then owns {@code at}'s fds
     */
    private boolean decideAndOpen(Call call, SyscallEvent ev, Args a, String given, int found, Optional<String> name,
            PathWalk.Located at, Optional<String> mine) {
        Snapshot seen = seen(a, name, given, found >= 0 ? found : at instanceof PathWalk.Located.Missing m ? m.dir() : -1);
        if ((a.flags() & O_PATH) != 0 && found >= 0 && mine.isEmpty()) {
            call.madeByTheKernel(); // an O_PATH open the kernel makes itself (below)
        }
        if (call.enter(ev, seen) != 0) {
            return false;
        }
        if (mine.isPresent()) {
            refuseOwn(call, ev, seen, mine.get());
            return false;
        }
        if (at instanceof PathWalk.Located.Found f && outputs.refused(a.flags(), f.stat() != null ? f.stat() : calls.fstat(f.fd()))) {
            refuseOutputRead(call, ev, seen, name.orElse(given));
            return false;
        }
        if ((a.flags() & O_PATH) != 0 && found >= 0) {
            // ADDFD cannot install O_PATH files (the kernel's fget refuses them). An O_PATH fd
            // reads and writes nothing: every open through it (openat relative to it, or
            // /proc/self/fd/N) comes back here and is decided on its object, so the kernel may
            // redo this one itself (an open_tree too, which makes the same O_PATH file).
            walk.pathFileMade(found);
            call.allowAsMade();
            return false;
        }
        PtraceAccess.Verdict memory = at instanceof PathWalk.Located.Found f ? memoryOfATask(call, f, name)
                : PtraceAccess.Verdict.PASSES;
        if (memory.errno() != 0) {
            call.fail(ev, seen, memory.errno());
            return false;
        }
        if (at instanceof PathWalk.Located.Found f && writesAnotherProcessMemory(call, a, f, name)) {
            log.accept("refused " + Sysno.name(call.notification().nr()) + " from task " + call.tid() + " ("
                    + Procfs.comm(call.tid()) + ") of " + name.orElse(given) + " for writing: it is the memory of"
                    + " another process, whose program reads the argv and environment a sink decided its exec on"
                    + " (sentry/execve) from there (EACCES)");
            call.fail(ev, seen, Errno.EACCES);
            return false;
        }
        // On the notifier, a lease on the file must not make the open wait: O_NONBLOCK makes the
        // kernel say EWOULDBLOCK instead, and the open is finished on a pool thread, where it may wait.
        boolean lean = call.onNotifier() && (a.flags() & O_NONBLOCK) == 0;
        // A /proc file whose writes the kernel checks against the opener's capability over a user
        // namespace is opened as someone who holds there no more than the program (UserNamespaceFiles).
        UserNamespaceFiles.Opener opener = at instanceof PathWalk.Located.Found f
                ? UserNamespaceFiles.opener(calls, tasks, own, call.tid(), a.flags(), f, acting)
                : new UserNamespaceFiles.Opener(acting, 0);
        if (opener.errno() != 0) {
            log.accept("refused " + Sysno.name(call.notification().nr()) + " from task " + call.tid() + " ("
                    + Procfs.comm(call.tid()) + ") of " + name.orElse(given) + " for writing: the kernel checks it against"
                    + " the opener's capability over a user namespace that the program lacks and seccheck's thread,"
                    + " whose effective uid made that namespace, holds (" + Errno.name(opener.errno()) + ")");
            call.fail(ev, seen, opener.errno());
            return false;
        }
        // A memory file of the caller's own process: the kernel asks the program nothing more, but
        // asks seccheck's thread everything (PtraceAccess), which CAP_SYS_PTRACE answers.
        Identity who = memory.ownProcess() && own.privileged() ? opener.who().with(CAP_SYS_PTRACE) : opener.who();
        // On the notifier a missing name is only created (O_EXCL): a FIFO the program planted there
        // since the walk is opened on a pool thread, whose open may wait for its lock (below).
        boolean onlyNew = call.onNotifier() && at instanceof PathWalk.Located.Missing
                && (a.flags() & (O_CREAT | O_EXCL)) == O_CREAT;
        IntSupplier open = !waitsForThePeer(call, a, at, lean) ? () -> openObject(a, at, lean, onlyNew)
                : ReserveThreads.here() ? () -> peerThere(call, a, at)
                : () -> FifoEnd.open(call, call.tid(), () -> openObject(a, at, false, false));
        DeviceCgroups.Way way = at instanceof PathWalk.Located.Found f && DeviceCgroups.is(f.stat())
                ? devices.way(call.tid(), f.stat(), landlock.confines(call.tid())) : DeviceCgroups.Way.AS_USUAL;
        ToIntFunction<IntSupplier> asProgram = way == DeviceCgroups.Way.JOINED
                ? op -> devices.joined(call.tid(), who, op)
                : op -> landlock.perform(call.tid(), who, op);
        // The kernel reserves the program's descriptor before it looks at the path: out of them,
        // the program creates, truncates and opens nothing (DescriptorRoom).
        boolean effect = hasEffect(a.flags(), at);
        int fd;
        try (Identity.Assumed _ = who == acting ? () -> {} : who.assume(own)) {
            fd = effect && DescriptorRoom.full(calls, call.tid()) ? -Errno.EMFILE
                    : way == DeviceCgroups.Way.REFUSED || unjoinableSysctl(call, a, at, name)
                            || unjoinedNamespaceFile(call, at, name) ? -Errno.EPERM
                    : makesAFile(a, at) && !own.privileged() ? withProgramUmask(call, open)
                    : at instanceof PathWalk.Located.Found f && ControllingTty.is(f.stat())
                            ? tty.open(call.tid(), a.flags(), open, asProgram)
                    : at instanceof PathWalk.Located.Found f && sysvipc.is(f.fd(), f.stat())
                            ? sysvipc.open(call.tid(), name.orElse(given), who, open, () -> asProgram.applyAsInt(open))
                    : at instanceof PathWalk.Located.Found f && TunDevice.is(f.stat())
                            ? tun.open(call.tid(), who, way == DeviceCgroups.Way.JOINED ? null : open,
                                    () -> asProgram.applyAsInt(open))
                    : at instanceof PathWalk.Located.Found f && cgroups.is(f.fd(), a.flags())
                            ? cgroups.open(call.tid(), name.orElse(given), who, open, () -> asProgram.applyAsInt(open))
                            : asProgram.applyAsInt(open);
        }
        if (fd == -Errno.EACCES && found >= 0 && name.isPresent()) {
            fd = ownProcfsFile(call, who, a, name.get(), () -> openObject(a, at, lean, false)).orElse(fd);
        }
        if (lean && fd == -Errno.EAGAIN || onlyNew && fd == -Errno.EEXIST) {
            call.finishElsewhere(new Call.Rest() {
                @Override
                public void finish(OpenEmulation opens) {
                    opens.finish(call, ev, a, seen, at, who);
                }

                @Override
                public void refuse(int errno) {
                    try {
                        call.fail(ev, seen, errno);
                    } finally {
                        call.held().release();
                    }
                }
            });
            return true;
        }
        if (fd >= 0 && name.isPresent() && walk.outOfReachNow(name.get(), call.tid(), call.tgid())) {
            PathCalls.close(fd); // its process started an exec meanwhile: the fd may hold the new program's memory
            fd = -Errno.EACCES;
        }
        if (lean && fd >= 0) {
            int r = calls.clearNonBlocking(fd);
            if (r < 0) {
                PathCalls.close(fd);
                fd = r;
            }
        }
        complete(call, ev, a, seen, fd, effect);
        return false;
    }

    /**
     * A blocking FIFO open on a reserve thread ({@link ReserveThreads}), which must not wait for
     * the other end: for writing, made with O_NONBLOCK, which succeeds only with a reader there,
     * then as the blocking open would (fifo_open looks for a reader before it changes anything),
     * and its O_NONBLOCK taken off; -EAGAIN, with a line, when it would wait (ENXIO: no reader), as
     * for a call no thread of seccheck's could take (the pool at its cap, or refused a thread). For
     * reading (the reserve takes such an open only when the notifier's walk read other flags or
     * found another object): -EAGAIN, since whether a writer is there cannot be told without
     * becoming a reader.
     */
    private int peerThere(Call call, Args a, PathWalk.Located at) {
        int fd = (a.flags() & O_ACCMODE) == O_WRONLY ? openObject(a, at, true, false) : -Errno.ENXIO;
        if (fd == -Errno.ENXIO) {
            log.accept("refused " + Sysno.name(call.notification().nr()) + " of task " + call.tid() + " ("
                    + Procfs.comm(call.tid()) + ") with EAGAIN: its FIFO open would wait for the other end, and no"
                    + " emulation thread of seccheck's can wait for it (" + Emulator.MAX_WAITING + " calls wait on"
                    + " them already, or they are all busy and " + ThreadStarts.WHY + ")");
            return -Errno.EAGAIN;
        }
        if (fd >= 0) {
            int r = calls.clearNonBlocking(fd);
            if (r < 0) {
                PathCalls.close(fd);
                return r;
            }
        }
        return fd;
    }

    /**
     * Whether this open is of a task's /proc file whose open the kernel guards with a ptrace
     * access check ({@link PtraceAccess#guardedAtOpen}: mem, environ, maps..., fdinfo/) and the program's thread would
     * fail the kernel's ptrace access check over that task, its user namespace counted, as seccheck's
     * thread, in seccheck's namespace, may not ({@link PtraceAccess}); logged when so. The task is
     * the one of the directory the walk found the file in, or, for a file reached by a magic link
     * ({@code /proc/self/fd/N}), of the directory its name names in seccheck's /proc, if the file is
     * there under that name; a file whose directory cannot be told is refused. The verdict also
     * tells whether the task is of the caller's own process.
     */
    private PtraceAccess.Verdict memoryOfATask(Call call, PathWalk.Located.Found f, Optional<String> name) {
        if (!access.anyLeft()) {
            return PtraceAccess.Verdict.PASSES;
        }
        String real = name.orElse(null);
        String last = f.parent() >= 0 ? f.name() : real == null ? null : real.substring(real.lastIndexOf('/') + 1);
        if (last == null || !PtraceAccess.guardedAtOpen(real, last, f.directory())
                || calls.fsType(f.fd()) != PathCalls.PROC_SUPER_MAGIC) {
            return PtraceAccess.Verdict.PASSES;
        }
        int dir = f.parent() >= 0 ? f.parent() : directoryHolding(f.fd(), real);
        PtraceAccess.Verdict verdict;
        try {
            verdict = dir < 0 ? PtraceAccess.Verdict.REFUSED : access.verdict(call.tid(), dir);
        } finally {
            if (dir != f.parent()) {
                PathCalls.close(dir);
            }
        }
        if (verdict.errno() != 0) {
            log.accept("refused " + Sysno.name(call.notification().nr()) + " from task " + call.tid() + " ("
                    + Procfs.comm(call.tid()) + ") of " + name.orElse("a task's " + last) + ": the kernel's ptrace"
                    + " access check refuses it to the program, from its user namespace (" + Errno.name(verdict.errno()) + ")");
        }
        return verdict;
    }

    /**
     * Whether the open writes the memory file ({@code mem}) of a task of another process than
     * the caller's while a sink decides at sentry/execve ({@link EmulatedPoints#keepsExecStrings}):
     * that process's program reads the argv and environment its exec was decided on from its
     * memory, for as long as it runs, and a parent could rewrite them once decided (red-team round
     * 22). A procfs file seccheck cannot name (on a procfs of the program's own, or bound
     * elsewhere in a mount namespace of its own) is taken for one, and so is a memory file whose
     * task cannot be told: refused.
     */
    private boolean writesAnotherProcessMemory(Call call, Args a, PathWalk.Located.Found f, Optional<String> name) {
        // The cheap looks first: an open for writing of a file named otherwise (a create) costs two compares.
        if (!OwnFiles.writes(a.flags()) || f.directory() || name.isPresent() && !name.get().endsWith("/mem")
                || !call.points().keepsExecStrings() || calls.fsType(f.fd()) != PathCalls.PROC_SUPER_MAGIC) {
            return false;
        }
        if (name.isEmpty()) {
            return true;
        }
        int dir = directoryHolding(f.fd(), name.get());
        try {
            return dir < 0 || !access.ownProcess(call.tid(), dir);
        } finally {
            PathCalls.close(dir);
        }
    }

    /** Our fd of the directory {@code real} (a path in seccheck's view) is in, if the file {@code fd} is there under that name; else -1. */
    private int directoryHolding(int fd, String real) {
        if (real == null || real.lastIndexOf('/') <= 0) {
            return -1;
        }
        int dir = calls.openat(AT_FDCWD, real.substring(0, real.lastIndexOf('/')), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
            return -1;
        }
        int again = calls.openat(dir, real.substring(real.lastIndexOf('/') + 1), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        boolean same = again >= 0 && sameObject(again, fd);
        PathCalls.close(again);
        if (!same) {
            PathCalls.close(dir);
            return -1;
        }
        return dir;
    }

    /**
     * Whether this open, on a pool thread, may wait for the other end of a FIFO (one side only,
     * and blocking), which {@link Waits} ends ({@link FifoEnd}) as soon as the call is no longer awaited.
     */
    private static boolean waitsForThePeer(Call call, Args a, PathWalk.Located at, boolean lean) {
        return !lean && !call.onNotifier() && FifoEnd.waitsForThePeer(a.flags())
                && at instanceof PathWalk.Located.Found f && f.stat() != null && f.stat().isFifo();
    }

    /**
     * Whether this open would write a sysctl the kernel finds in the opening thread's pid or user
     * namespace while the task's is another ({@link UnjoinableSysctls}); logged when so.
     */
    private boolean unjoinableSysctl(Call call, Args a, PathWalk.Located at, Optional<String> name) {
        if ((a.flags() & (O_ACCMODE | O_TRUNC)) == O_RDONLY || !(at instanceof PathWalk.Located.Found f)) {
            return false;
        }
        String path = name.orElseGet(() -> calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + f.fd()));
        Optional<TaskNamespaces.Kind[]> by = path == null ? Optional.empty() : UnjoinableSysctls.of(path);
        if (by.isEmpty() || calls.fsType(f.fd()) != PathCalls.PROC_SUPER_MAGIC || !namespaces.differ(call.tid(), by.get())) {
            return false;
        }
        log.accept("refused openat from task " + call.tid() + " (" + Procfs.comm(call.tid()) + ") of " + path
                + " for writing: the kernel finds it in the opening thread's " + by.get()[0].name()
                + " namespace, and the task's is another, which no thread of seccheck's can join (EPERM)");
        return true;
    }

    /**
     * Whether this open, by seccheck unprivileged, reaches a procfs file (or a missing one's name)
     * that the kernel finds in the opening thread's network or IPC namespace while the task's is
     * another, which seccheck cannot join ({@link UnjoinedNamespaceFiles}); logged when so. For
     * reading and writing alike: opened here, it would be seccheck's namespace's.
     */
    private boolean unjoinedNamespaceFile(Call call, PathWalk.Located at, Optional<String> name) {
        int fd = at instanceof PathWalk.Located.Found f ? f.fd() : at instanceof PathWalk.Located.Missing m ? m.dir() : -1;
        if (namespaces.mayJoin() || fd < 0) {
            return false;
        }
        String path = name.orElseGet(() -> {
            String seen = calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + fd);
            return seen == null || !(at instanceof PathWalk.Located.Missing m) ? seen : RealPath.join(seen, "/" + m.name());
        });
        Optional<UnjoinedNamespaceFiles.Binding> by = path == null ? Optional.empty() : UnjoinedNamespaceFiles.of(path);
        if (by.isEmpty() || calls.fsType(fd) != PathCalls.PROC_SUPER_MAGIC || !namespaces.differ(call.tid(), by.get().kinds())) {
            return false;
        }
        log.accept("refused " + Sysno.name(call.notification().nr()) + " from task " + call.tid() + " ("
                + Procfs.comm(call.tid()) + ") of " + path + ": the kernel finds it in the opener's " + by.get().what()
                + " namespace, and the task's is another, which seccheck cannot join without privilege (EPERM)");
        return true;
    }

    /**
     * What the points show as the path: the name of the object reached; for one on a mount
     * seccheck cannot name (a mount of the program's own mount namespace on a filesystem seccheck
     * does not see, a detached mount), the path the program gave, recorded as missing for the
     * sinks that decide on it (their {@code on_missing} decides, fail closed by default), with
     * the true reason: a path longer than PATH_MAX is not an unseen mount ({@link RealPath#whyUnnamed}).
     *
     * @param fd our fd of the object, or of the directory of a missing one, that {@code name} names
     */
    private Snapshot seen(Args a, Optional<String> name, String given, int fd) {
        return name.isPresent() ? Snapshot.ofString(a.pathAddr(), name.get())
                : Snapshot.doubted(a.pathAddr(), given, names.whyUnnamed(fd));
    }

    /** Whether opening what the walk reached makes a file: a missing one with O_CREAT, or O_TMPFILE's. */
    private static boolean makesAFile(Args a, PathWalk.Located at) {
        boolean tmpfile = (a.flags() & O_TMPFILE) == O_TMPFILE;
        return tmpfile || (at instanceof PathWalk.Located.Missing && (a.flags() & O_CREAT) != 0);
    }

    /** Runs {@code open} with the program's umask, read from its status now; -ESRCH when it is gone. */
    private int withProgramUmask(Call call, IntSupplier open) {
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, true, true);
        if (who.isEmpty()) {
            return -Errno.ESRCH;
        }
        int old = ThreadCredentials.umask(who.get().umask());
        try {
            return landlock.perform(call.tid(), who.get(), open);
        } finally {
            ThreadCredentials.umask(old);
        }
    }

    /**
     * A confined task's open of a /proc file that asks for ptrace access (its own maps, say),
     * which the confined thread failed with EACCES: made unconfined when the program's domain
     * allows it ({@link LandlockDomains#procfsStandIn}); empty when the EACCES stands.
     */
    private OptionalInt ownProcfsFile(Call call, Identity who, Args a, String real, IntSupplier open) {
        Optional<String> standIn = landlock.procfsStandIn(call.tid(), call.tgid(), real, a.flags() & O_ACCMODE);
        if (standIn.isEmpty()) {
            return OptionalInt.empty();
        }
        int allowed = landlock.perform(call.tid(), who, () -> {
            int fd = calls.openat(AT_FDCWD, standIn.get(), (a.flags() & O_ACCMODE) | O_CLOEXEC | O_NOCTTY);
            PathCalls.close(fd);
            return fd;
        });
        return allowed < 0 ? OptionalInt.empty() : OptionalInt.of(open.getAsInt());
    }


    /**
     * Opens what the walk reached and answers the call, on the pool thread it was handed to: an
     * existing regular file whose lease made the open on the notifier wait, or a name the walk
     * found missing that was taken before the notifier could create it (a FIFO's, maybe, whose
     * open waits for its lock), opened or created here as the program's open would.
     * The open is made as {@code who}, the identity the walk assumed.
     */
    void finish(Call call, SyscallEvent ev, Args a, Snapshot seen, PathWalk.Located at, Identity who) {
        try (Identity.Assumed _ = who.assume(own)) {
            // Checked again: the lease it waited on gave the program's other threads time to fill its table.
            boolean effect = hasEffect(a.flags(), at);
            // Made as a FIFO's open is (FifoEnd): ended at its caller's signal or end. Natively a
            // signal ends a wait for a lease to break, and nothing is opened or truncated; made as
            // any, seccheck's open waited on for a caller killed or told EINTR, and truncated the
            // file once the lease was released, up to the lease break's 45 s later (red-team
            // round 23). The name the notifier found missing may be a FIFO's now, too.
            IntSupplier open = () -> FifoEnd.open(call, call.tid(), () -> openObject(a, at, false, false));
            int fd = effect && DescriptorRoom.full(calls, call.tid()) ? -Errno.EMFILE
                    : makesAFile(a, at) && !own.privileged() ? withProgramUmask(call, open)
                    : landlock.perform(call.tid(), who, open);
            complete(call, ev, a, seen, fd, effect);
        } finally {
            call.held().release();
        }
    }

    /**
     * Fails the call with {@code -fd}, or installs {@code fd} in the program and answers with its
     * number. An open with an effect ({@code effect}) whose install found the table full, which
     * another thread of the program filled since {@link DescriptorRoom} looked, fails with EMFILE
     * as the exit points say, but its file was made or emptied: a line says so.
     */
    private void complete(Call call, SyscallEvent ev, Args a, Snapshot seen, int fd, boolean effect) {
        if (fd < 0) {
            call.fail(ev, seen, reservedFirst(call, -fd));
            return;
        }
        long r = call.install(ev, seen, fd, (a.flags() & O_CLOEXEC) != 0);
        if (effect && r == -Errno.EMFILE) {
            log.accept(Sysno.name(call.notification().nr()) + " from task " + call.tid() + " (" + Procfs.comm(call.tid())
                    + ") failed with EMFILE after its file was opened (created or truncated if it asked): another"
                    + " thread of the program filled its descriptor table meanwhile");
        }
    }

    /**
     * The error an open that failed with {@code errno} answers: EMFILE where the program's table is
     * full. The kernel reserves the descriptor before it walks the path (do_sys_openat2), so a
     * program out of descriptors learns that first, whatever the path would have given (ENOENT,
     * EACCES, ELOOP, EEXIST...). Asked of failed opens only: a successful one pays nothing.
     */
    private int reservedFirst(Call call, int errno) {
        return errno != Errno.EMFILE && DescriptorRoom.full(calls, call.tid()) ? Errno.EMFILE : errno;
    }

    /**
     * Whether opening what the walk reached does something a program out of descriptors must not
     * have done, which the kernel never does for it: make a file (O_CREAT of a missing name,
     * O_TMPFILE), truncate one (O_TRUNC, which also sets the times of an empty file), or open
     * anything but a regular file or a directory (a FIFO's open wakes its peer, a device's runs
     * its driver). Opening an existing regular file or directory otherwise leaves nothing
     * behind, and is not checked: the common open stays as fast as before.
     */
    static boolean hasEffect(int flags, PathWalk.Located at) {
        return switch (at) {
            case PathWalk.Located.Missing m -> (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
            case PathWalk.Located.Found f -> (flags & O_TMPFILE) == O_TMPFILE || !f.directory()
                    && ((flags & O_TRUNC) != 0 || f.stat() == null || !f.stat().isRegular());
            default -> false;
        };
    }

    /**
     * Opens the object once the points allowed it: our fd, or -errno; with O_NONBLOCK added when
     * {@code lean}, and a missing name only created when {@code onlyNew} (O_EXCL: -EEXIST if taken).
     */
    private int openObject(Args a, PathWalk.Located at, boolean lean, boolean onlyNew) {
        int extra = lean ? O_NONBLOCK : 0;
        return switch (at) {
            case PathWalk.Located.Found f -> reopen(a, f, extra);
            case PathWalk.Located.Missing m -> create(a, m, extra | (onlyNew ? O_EXCL : 0));
            default -> throw new IllegalStateException("nothing to open: " + at);
        };
    }

    private int reopen(Args a, PathWalk.Located.Found f, int extra) {
        int flags = a.flags() | extra;
        if (f.trailingSlash() && !f.directory()) {
            return -Errno.ENOTDIR;
        }
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
            return -Errno.EEXIST;
        }
        if ((flags & O_CREAT) != 0 && f.directory()) {
            return -Errno.EISDIR; // as the kernel: O_CREAT never opens a directory, whatever its access mode
        }
        if ((flags & O_TMPFILE) == O_TMPFILE) {
            return open(a, f.fd(), ".", flags);
        }
        if (f.directory() && (flags & O_PATH) == 0 && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0)) {
            return -Errno.EISDIR; // as the kernel's may_open: writing a directory, before its permission is asked
        }
        if ((flags & O_NOFOLLOW) != 0 && f.directory() && f.parent() < 0) {
            // "." of the very directory keeps the flag; opened by its name (below) when the walk
            // knows its parent, since "." needs the permission to search it, which its own open does not.
            return open(a, f.fd(), ".", flags & ~O_CREAT);
        }
        if (opensByName(flags, f)) {
            // The program's O_NOFOLLOW stays in the file's flags only if it is opened by its name;
            // the object reached must still be the one decided on.
            int byName = open(a, f.parent(), f.name(), flags & ~O_CREAT);
            if (byName < 0 || sameObject(byName, f.fd())) {
                return byName;
            }
            PathCalls.close(byName);
        }
        // Reopening our O_PATH fd through procfs reaches the very object the decision was made on.
        return open(a, AT_FDCWD, "/proc/thread-self/fd/" + f.fd(), flags & ~(O_NOFOLLOW | O_CREAT));
    }

    /**
     * Whether {@link #reopen} opens the object by its name in its directory, not through our fd of
     * it: with O_NOFOLLOW, which stays in the file's flags only so, unless an earlier check answers
     * or it is a directory's "." ({@code f.parent()} unknown). The program may put another object
     * at that name meanwhile: a FIFO whose lock it holds ({@link #mayBlock}).
     */
    private static boolean opensByName(int flags, PathWalk.Located.Found f) {
        if ((flags & O_NOFOLLOW) == 0 || f.parent() < 0 || f.trailingSlash() && !f.directory()
                || (flags & O_TMPFILE) == O_TMPFILE || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)
                || (flags & O_CREAT) != 0 && f.directory()) {
            return false;
        }
        return !f.directory() || (flags & O_ACCMODE) == O_RDONLY && (flags & O_TRUNC) == 0;
    }

    private boolean sameObject(int a, int b) {
        PathCalls.Stat x = calls.fstat(a);
        PathCalls.Stat y = calls.fstat(b);
        return x != null && y != null && x.dev() == y.dev() && x.ino() == y.ino();
    }

    private int create(Args a, PathWalk.Located.Missing m, int extra) {
        if ((a.flags() & O_CREAT) == 0 || (a.flags() & O_TMPFILE) == O_TMPFILE) {
            return -Errno.ENOENT;
        }
        if (m.trailingSlash()) {
            return -Errno.EISDIR;
        }
        if ((a.flags() & O_PATH) == 0) {
            // RESOLVE_NO_SYMLINKS: a symlink planted since the walk is not followed to an object never
            // decided on, and unlike O_NOFOLLOW it is not kept in the file's flags, so the fd made is
            // the program's as its own open would have made it. openat2 refuses flags openat ignores:
            // they are dropped first, as openat drops them.
            int made = calls.openat2(m.dir(), m.name(), Integer.toUnsignedLong((a.flags() | extra | O_CLOEXEC | O_NOCTTY) & VALID_OPEN_FLAGS),
                    a.mode(), PathWalk.RESOLVE_NO_SYMLINKS);
            if (made != -Errno.ENOSYS) {
                return made;
            }
        }
        // O_NOFOLLOW: a symlink planted since the walk is not followed to an object never decided on.
        int made = open(a, m.dir(), m.name(), a.flags() | O_NOFOLLOW | extra);
        if (made < 0 || (a.flags() & O_NOFOLLOW) != 0) {
            return made;
        }
        // The kernel keeps O_NOFOLLOW in the file's flags (F_GETFL shows it): hand the program a
        // reopening of the new file without it, as its own open would have made. A file created
        // without the permission its flags ask for (O_WRONLY on mode 0444) can only be opened by
        // its creation: that fd is kept.
        int clean = calls.openat(AT_FDCWD, "/proc/thread-self/fd/" + made,
                (a.flags() & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC | O_NOCTTY | extra);
        if (clean < 0) {
            return made;
        }
        PathCalls.close(made);
        return clean;
    }

    /**
     * Opens {@code name} for the program. Always with O_NOCTTY, which the kernel keeps out of the
     * file's flags: a terminal opened here must never become seccheck's controlling terminal (a
     * seccheck that leads its session, as a service does, would then take the terminal's hangup).
     */
    private int open(Args a, int dir, String name, int flags) {
        // openat2 refuses a mode on an open that creates nothing: a reopening drops O_CREAT, and the mode with it.
        return a.openat2()
                ? calls.openat2(dir, name, Integer.toUnsignedLong(flags | O_CLOEXEC | O_NOCTTY), modeFor(flags, a.mode()), 0)
                : calls.openat(dir, name, flags | O_CLOEXEC | O_NOCTTY, a.mode());
    }

    /**
     * What an openat2 with RESOLVE_CACHED is answered once the path is read and its start found
     * ({@code start}, ours, closed here; -1 from the root): ENOTDIR for a dirfd that is no
     * directory, which the kernel's walk refuses before any lookup, else EAGAIN, the kernel's "not
     * in my caches, try again without it". Which names the kernel's caches hold is no state of the
     * program's: seccheck's lookups change it, and a walk component by component ends where the
     * kernel's lock-free walk gives up with EAGAIN on another error (ENOTDIR, EXDEV). The retry
     * without the flag is walked and decided as any open.
     */
    private int cachedRefusal(int start) {
        if (start < 0) {
            return Errno.EAGAIN;
        }
        PathCalls.Stat st = calls.fstat(start);
        PathCalls.close(start);
        return st != null && !st.isDirectory() ? Errno.ENOTDIR : Errno.EAGAIN;
    }

    /**
     * Our fd of where a relative path starts: the calling thread's cwd, or the dirfd itself; or
     * -errno. When the dirfd's {@code own} file is the one named (an empty path), not when a path
     * is walked from it: unless it is an O_PATH file of no decision ({@link PathWalk#refusalOfStart}).
     * A name below an O_PATH directory of no decision is walked only where the program reaches
     * that directory by its name, or it has none ({@link PathWalk#refusalBelow}).
     */
    private int startOf(Call call, Args a, boolean own) {
        if (a.dirfd() == AT_FDCWD) {
            return Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + call.tid() + "/cwd", O_PATH | O_CLOEXEC));
        }
        int fd = Identity.anchor(() -> tasks.getfd(call.tid(), call.tgid(), a.dirfd()));
        int refused = fd < 0 ? 0 : own ? walk.refusalOfStart(fd, call.tid(), "the file of descriptor " + a.dirfd())
                : walk.refusalBelow(fd, call.tid(), "the directory of descriptor " + a.dirfd());
        if (refused != 0) {
            PathCalls.close(fd);
            return -refused;
        }
        return fd;
    }

    private Args args(int tid, SeccompNotification n) throws ProgramMemory.Fault {
        return switch (n.nr()) {
            case Sysno.OPEN -> new Args(AT_FDCWD, n.arg0(), (int) n.arg1(), modeFor((int) n.arg1(), n.arg2()), 0, false);
            case Sysno.CREAT -> new Args(AT_FDCWD, n.arg0(), O_CREAT | O_WRONLY | O_TRUNC, (int) n.arg1() & 07777, 0, false);
            case Sysno.OPENAT -> new Args((int) n.arg0(), n.arg1(), (int) n.arg2(), modeFor((int) n.arg2(), n.arg3()), 0,
                    false);
            case Sysno.OPENAT2 -> openHow(tid, n);
            case Sysno.OPEN_TREE, OpenTrees.OPEN_TREE_ATTR -> openTree(n);
            default -> throw new IllegalArgumentException("not an open: syscall " + n.nr());
        };
    }

    /**
     * open_tree or open_tree_attr without OPEN_TREE_CLONE, as the O_PATH open of its path
     * ({@link OpenTrees}), once what the kernel refuses of its flags before the path is refused.
     */
    private static Args openTree(SeccompNotification n) throws ProgramMemory.Fault {
        int refused = OpenTrees.refused(n);
        if (refused != 0) {
            throw new ProgramMemory.Fault(refused);
        }
        return new Args((int) n.arg0(), n.arg1(), OpenTrees.openFlags(n.arg2()), 0, 0, false,
                OpenTrees.emptyPathAllowed(n.arg2()));
    }

    /** The mode register means something only when the call may create a file. */
    private static int modeFor(int flags, long mode) {
        return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? (int) mode & 07777 : 0;
    }

    /** Reads openat2's struct open_how and refuses what the kernel refuses before any lookup. */
    private Args openHow(int tid, SeccompNotification n) throws ProgramMemory.Fault {
        long size = n.arg3();
        if (size < OPEN_HOW_SIZE) {
            throw new ProgramMemory.Fault(Errno.EINVAL);
        }
        if (size > 4096) {
            throw new ProgramMemory.Fault(Errno.E2BIG);
        }
        byte[] raw = memory.bytes(tid, n.arg2(), (int) size);
        for (int i = OPEN_HOW_SIZE; i < raw.length; i++) {
            if (raw[i] != 0) {
                throw new ProgramMemory.Fault(Errno.E2BIG);
            }
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long flags = b.getLong(0);
        long mode = b.getLong(8);
        long resolve = b.getLong(16);
        int refused = refusedHow(flags, mode, resolve);
        if (refused != 0) {
            throw new ProgramMemory.Fault(refused);
        }
        return new Args((int) n.arg0(), n.arg1(), (int) flags, (int) mode, resolve, true);
    }

    /**
     * What the kernel's build_open_flags refuses of openat2's flags, mode and resolve before it
     * reads the path or looks at the dirfd, or 0: EINVAL for a flag or resolve bit it does not
     * know, BENEATH with IN_ROOT, a mode outside 07777 or with a call that creates nothing (O_CREAT
     * or O_TMPFILE's own bit), O_CREAT with O_DIRECTORY, a half or read-only O_TMPFILE, O_PATH with
     * flags it does not keep; then EAGAIN for RESOLVE_CACHED on an open that may create or
     * truncate, which the cache alone can never serve.
     */
    static int refusedHow(long flags, long mode, long resolve) {
        boolean creates = (flags & (O_CREAT | TMPFILE_BIT)) != 0;
        if ((flags & ~Integer.toUnsignedLong(VALID_OPEN_FLAGS)) != 0 || (resolve & ~PathWalk.RESOLVE_ALL) != 0
                || (resolve & (PathWalk.RESOLVE_BENEATH | PathWalk.RESOLVE_IN_ROOT))
                        == (PathWalk.RESOLVE_BENEATH | PathWalk.RESOLVE_IN_ROOT)
                || (creates ? (mode & ~07777L) != 0 : mode != 0)
                || (flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)
                || ((flags & TMPFILE_BIT) != 0 && ((flags & O_TMPFILE) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY))
                || ((flags & O_PATH) != 0 && (flags & ~O_PATH_FLAGS) != 0)) {
            return Errno.EINVAL;
        }
        if ((resolve & PathWalk.RESOLVE_CACHED) != 0 && (flags & (O_TRUNC | O_CREAT | TMPFILE_BIT)) != 0) {
            return Errno.EAGAIN;
        }
        return 0;
    }

    /**
     * The event the points see: openat2 is reported as openat(dirfd, path, flags, mode), and so is
     * open_tree, with the flags of the O_PATH open it is decided as.
     */
    private static SyscallEvent event(Call call, SeccompNotification n, Args a) {
        if (a == null || (n.nr() != Sysno.OPENAT2 && !OpenTrees.is(n.nr()))) {
            return SyscallEvent.held(n);
        }
        return new SyscallEvent(call.tid(), Sysno.OPENAT, a.dirfd(), a.pathAddr(), Integer.toUnsignedLong(a.flags()),
                a.mode(), 0, 0, false, 0);
    }
}
