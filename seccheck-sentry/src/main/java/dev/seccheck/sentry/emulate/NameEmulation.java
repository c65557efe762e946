package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_EMPTY_PATH;
import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.AT_REMOVEDIR;
import static dev.seccheck.abi.Fcntl.AT_SYMLINK_FOLLOW;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.RENAME_EXCHANGE;
import static dev.seccheck.abi.Fcntl.RENAME_NOREPLACE;
import static dev.seccheck.abi.Fcntl.RENAME_WHITEOUT;
import static dev.seccheck.abi.FileTypes.S_IFBLK;
import static dev.seccheck.abi.FileTypes.S_IFCHR;
import static dev.seccheck.abi.FileTypes.S_IFDIR;
import static dev.seccheck.abi.FileTypes.S_IFIFO;
import static dev.seccheck.abi.FileTypes.S_IFMT;
import static dev.seccheck.abi.FileTypes.S_IFREG;
import static dev.seccheck.abi.FileTypes.S_IFSOCK;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sink.NameChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * NameEmulation performs the calls that change names, for the program, while a sink decides on
 * opening files: link, linkat, rename, renameat and renameat2, so that no file leaves a rule's
 * reach under a new name and no name a rule denies loses its file to a rename; unlink, unlinkat,
 * rmdir, mkdir, mkdirat, mknod, mknodat, symlink and symlinkat, so that no name a rule denies is
 * removed or given a file of the program's making (chmod, chown and extended attributes:
 * {@link AttributeCalls}).
 * Each path is read once and walked from the program's root, cwd or dirfd with its identity
 * ({@link NameWalks}, {@link Identity}); the sinks are shown the change by real names
 * ({@link NameChange}) and may refuse (EPERM); then the kernel makes the call from what the walks
 * reached. A link is made from seccheck's O_PATH fd of the very file
 * decided on; a rename names the file by its last component in the directory the walk reached,
 * as the kernel's own rename does. A directory moved is checked with every name below it (on a
 * pool thread); the rest is served on the notifier when the names are on local filesystems.
 *
 * <p>While a sink decides on the unix paths sockets are bound to, the calls that give a file a
 * name ({@link #givesNames}: links, renames, symlinks, mknods) are performed the same way, and
 * each new name is decided as the bind of a socket there ({@link NameChange}, with whether the
 * file is a symbolic link or a directory moved, which lead names below to sockets elsewhere): a
 * server bound elsewhere and renamed, linked or symlinked to a name a rule denies binding at was
 * reached there. No other name calls are held for that alone. While a sink decides on what
 * runs, renames are performed the same way, each under one lock, and a rename out of its rules is
 * recorded for the execs in flight ({@link RenamesOutOfWhatRuns}, {@link ExecutableMoves}).
 *
 * <p>What the kernel would refuse after the lookups (EXDEV, EEXIST, EBUSY for "." and "..",
 * EPERM for a linked directory, permissions, ENOTDIR and EISDIR between the two names) it
 * refuses here too, since it makes the final call: the program sees the errors it would see
 * natively (the conformance test compares them). But the kernel asks whether a name is a mount
 * point in the caller's mount namespace, seccheck's: a rename, rmdir or unlink of a mount point of
 * the program's own namespace is answered EBUSY as natively, in the kernel's order, before it is
 * made ({@link BusyMountPoints}).
 */
final class NameEmulation {

    /**
     * The most names below a moved directory that are checked (as many as the policy sink lists
     * below a matcher, {@code FilesNamed}); a larger tree is refused (fail closed).
     */
    static final int MAX_BELOW = 100_000;
    /** What {@link #below} returns for a moved directory that is a mount point now (no errno is this low). */
    private static final int MOUNT_POINT = Integer.MIN_VALUE + 1;

    /** What {@link #directory} returns for a walk given up on the notifier (no errno is this low). */
    private static final int GIVEN_UP = Integer.MIN_VALUE;

    private final PathCalls calls;
    private final ProgramMemory memory;
    private final Identity.Own own;
    private final LandlockDomains landlock;
    private final RealPath names;
    private final TaskFiles tasks;
    private final NameWalks walks;
    /** Whether a sink decides on opening files: without one, only links by descriptor are held ({@link #EMPTY_PATH_LINKS}). */
    private final boolean decidesNames;
    /**
     * Whether the names given to files are decided at all: by the sinks on opening files, or by
     * those on the unix paths sockets are bound to ({@link #givesNames}, which hold only links,
     * renames, symlinks and mknods).
     */
    private final boolean namesDecided;
    /** The looks of renames while a sink decides on what runs ({@link ExecutableMoves}); null when none does. */
    private final RenamesOutOfWhatRuns whatRuns;
    /** The kernel's answer for a name that is a mount point of the program's own mount namespace. */
    private final BusyMountPoints mountPoints;
    private final Consumer<String> log;

    NameEmulation(PathCalls calls, NameWalks walks, ProgramMemory memory, Identity.Own own, RealPath names,
            TaskFiles tasks, LandlockDomains landlock, boolean decidesNames, boolean socketNames,
            RenamesOutOfWhatRuns whatRuns, Consumer<String> log) {
        this.calls = calls;
        this.whatRuns = whatRuns;
        this.decidesNames = decidesNames;
        this.namesDecided = decidesNames || socketNames;
        this.landlock = landlock;
        this.walks = walks;
        this.memory = memory;
        this.own = own;
        this.names = names;
        this.tasks = tasks;
        this.mountPoints = new BusyMountPoints(calls, log);
        this.log = log;
    }

    /**
     * The filter's part holding linkat with AT_EMPTY_PATH (args[4]) while seccheck performs opens
     * and no sink decides on names: the kernel links a file by its descriptor, for a caller
     * without CAP_DAC_READ_SEARCH, only when the file's opener credentials are the caller's own
     * ({@code f_cred == current_cred()}, Linux 6.10 and later), and a file seccheck opened for the
     * program has seccheck's thread as its opener: natively 0, the program's own call got ENOENT.
     * Held, the link is made as {@link #link} makes it, with the kernel's answer. Everything else
     * falls through to the per-number decision.
     */
    static final Fragment EMPTY_PATH_LINKS = emptyPathLinks();

    private static Fragment emptyPathLinks() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.LINKAT, null, out);
        a.load(SeccompData.argLow(4));
        a.jump(Bpf.Cond.SET, AT_EMPTY_PATH, null, out);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether {@code n} is a linkat by descriptor ({@link #EMPTY_PATH_LINKS} holds it). */
    static boolean linksByDescriptor(SeccompNotification n) {
        return n.nr() == Sysno.LINKAT && ((int) n.arg4() & AT_EMPTY_PATH) != 0;
    }

    /** Whether syscall {@code nr} is one this class performs: a link or rename, or a call on one name. */
    static boolean serves(int nr) {
        return nr == Sysno.LINK || nr == Sysno.LINKAT || nr == Sysno.RENAME || nr == Sysno.RENAMEAT
                || nr == Sysno.RENAMEAT2 || One.covers(nr);
    }

    /**
     * Whether syscall {@code nr} gives a file a name: a link, a rename, a symlink or a mknod, held
     * while a sink decides on the unix paths sockets are bound to (a socket bound elsewhere and so
     * named is reached there as if bound there).
     */
    static boolean givesNames(int nr) {
        return switch (nr) {
            case Sysno.LINK, Sysno.LINKAT, Sysno.RENAME, Sysno.RENAMEAT, Sysno.RENAMEAT2, Sysno.SYMLINK, Sysno.SYMLINKAT,
                    Sysno.MKNOD, Sysno.MKNODAT -> true;
            default -> false;
        };
    }

    /** Whether syscall {@code nr} is a rename, held while a sink decides on what runs ({@link ExecutableMoves}). */
    static boolean renames(int nr) {
        return nr == Sysno.RENAME || nr == Sysno.RENAMEAT || nr == Sysno.RENAMEAT2;
    }

    /** The arguments of a link or rename, whichever syscall carried them. */
    private record Args(String syscall, int olddirfd, long oldAddr, int newdirfd, long newAddr, int flags,
            boolean link) {}

    /** A path split as the kernel's parent lookup splits it: what leads to the directory, and the last component as given. */
    record Split(String parent, String last) {
        /** Whether the last component is a plain name ("." , ".." and "/" are not). */
        boolean plain() {
            String bare = last.replaceAll("/+$", "");
            return !bare.isEmpty() && !bare.equals(".") && !bare.equals("..");
        }

        /** The last component without its trailing slashes. */
        String name() {
            return last.replaceAll("/+$", "");
        }

        static Split of(String path) {
            int end = path.length();
            while (end > 1 && path.charAt(end - 1) == '/') {
                end--;
            }
            int slash = path.lastIndexOf('/', end - 1);
            if (slash < 0) {
                return new Split(".", path);
            }
            if (end == 1) {
                return new Split("/", "."); // "/" itself: a directory that is not a plain name
            }
            String parent = path.substring(0, slash);
            return new Split(parent.isEmpty() ? "/" : parent, path.substring(slash + 1));
        }
    }

    /**
     * Serves a held link, linkat, rename, renameat or renameat2. On the notifier thread
     * ({@link Call#onNotifier}) a call whose walks would look names up in a filesystem that may
     * block, or that moves a directory (whose names below are walked), is given up before any point
     * fired or anything was answered.
     *
     * @return false when given up: the caller serves it again on a pool thread
     */
    boolean serve(Call call) {
        SeccompNotification n = call.notification();
        if (One.covers(n.nr())) {
            return serveOne(call, One.of(n));
        }
        SyscallEvent ev = new SyscallEvent(call.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                n.arg5(), false, 0);
        Args a = args(n);
        // The kernel reads both names first, but a name it could not read (EFAULT, ENAMETOOLONG)
        // fails the call only where that name is looked up: after the flags are checked, and for
        // the new name after the old one's walk.
        String from = null;
        String to = null;
        ProgramMemory.Fault fromFault = null;
        ProgramMemory.Fault toFault = null;
        try {
            from = memory.path(call.tid(), a.oldAddr());
        } catch (ProgramMemory.Fault f) {
            fromFault = f;
        }
        try {
            to = memory.path(call.tid(), a.newAddr());
        } catch (ProgramMemory.Fault f) {
            toFault = f;
        }
        TaskMemory given = fromFault == null ? Snapshot.ofString(a.oldAddr(), from) : Unreadable.of(fromFault);
        boolean bad = a.link() ? (a.flags() & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0 : badRenameFlags(a.flags());
        if (bad) {
            call.refuse(ev, given, Errno.EINVAL); // refused before any lookup, as in the kernel
            return true;
        }
        if (fromFault != null) {
            call.refuse(ev, given, fromFault.errno);
            return true;
        }
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, false);
        if (who.isEmpty()) {
            call.fail(ev, given, Errno.ESRCH);
            return true;
        }
        // The root and what the walks reached are the call's until it is answered (HeldFiles):
        // released before the answer, not after it.
        try (ProgramRoot root = call.held().root(ProgramRoot.of(calls, call.tid()));
                Identity.Assumed _ = who.get().assume(own)) {
            int unreadTo = toFault == null ? 0 : toFault.errno;
            Plan plan = a.link() ? linkPlan(call, a, who.get(), root, from, to, unreadTo)
                    : renamePlan(call, a, who.get(), root, from, to, unreadTo);
            if (plan == null) {
                return false;
            }
            // Taken before any point fires: on the notifier, a rename that would wait for another
            // (a directory's, listing its tree) is given up to a pool thread instead.
            boolean guarded = !a.link() && whatRuns != null && plan.failed() == 0;
            RenamesOutOfWhatRuns.Renaming out = guarded ? whatRuns.begin(call) : null;
            if (guarded && out == null) {
                PathCalls.close(plan.first());
                PathCalls.close(plan.second());
                return false;
            }
            call.held().fd(plan.first());
            call.held().fd(plan.second());
            try {
                if (call.enter(ev, given) != 0) {
                    return true;
                }
                int r = plan.failed() != 0 ? plan.failed()
                        : a.link() ? link(call, a, who.get(), plan, from, to)
                        : rename(call, a, who.get(), plan, from, to, out);
                call.complete(ev, given, r);
            } finally {
                call.held().release();
                if (out != null) {
                    out.close();
                }
            }
        }
        return true;
    }

    /** What a call on one name does to it. */
    private enum Op { UNLINK, RMDIR, MKDIR, MKNOD, SYMLINK }

    /**
     * The arguments of a call on one name: unlink, unlinkat, rmdir, mkdir, mkdirat, mknod, mknodat,
     * symlink, symlinkat ({@code target}: the address of symlink's text).
     */
    private record One(String syscall, Op op, int dirfd, long addr, int flags, int mode, long dev, long target) {
        static boolean covers(int nr) {
            return switch (nr) {
                case Sysno.UNLINK, Sysno.UNLINKAT, Sysno.RMDIR, Sysno.MKDIR, Sysno.MKDIRAT, Sysno.MKNOD, Sysno.MKNODAT,
                        Sysno.SYMLINK, Sysno.SYMLINKAT -> true;
                default -> false;
            };
        }

        static One of(SeccompNotification n) {
            int cwd = AT_FDCWD;
            return switch (n.nr()) {
                case Sysno.UNLINK -> new One("unlink", Op.UNLINK, cwd, n.arg0(), 0, 0, 0, 0);
                case Sysno.UNLINKAT -> new One("unlinkat", ((int) n.arg2() & AT_REMOVEDIR) != 0 ? Op.RMDIR : Op.UNLINK,
                        (int) n.arg0(), n.arg1(), (int) n.arg2(), 0, 0, 0);
                case Sysno.RMDIR -> new One("rmdir", Op.RMDIR, cwd, n.arg0(), 0, 0, 0, 0);
                case Sysno.MKDIR -> new One("mkdir", Op.MKDIR, cwd, n.arg0(), 0, (int) n.arg1(), 0, 0);
                case Sysno.MKDIRAT -> new One("mkdirat", Op.MKDIR, (int) n.arg0(), n.arg1(), 0, (int) n.arg2(), 0, 0);
                case Sysno.MKNOD -> new One("mknod", Op.MKNOD, cwd, n.arg0(), 0, (int) n.arg1(), n.arg2() & 0xffffffffL, 0);
                case Sysno.MKNODAT -> new One("mknodat", Op.MKNOD, (int) n.arg0(), n.arg1(), 0, (int) n.arg2(),
                        n.arg3() & 0xffffffffL, 0);
                case Sysno.SYMLINK -> new One("symlink", Op.SYMLINK, cwd, n.arg1(), 0, 0, 0, n.arg0());
                case Sysno.SYMLINKAT -> new One("symlinkat", Op.SYMLINK, (int) n.arg1(), n.arg2(), 0, 0, 0, n.arg0());
                default -> throw new IllegalArgumentException("not a call on one name: syscall " + n.nr());
            };
        }

        /** Whether the call makes a file, with the umask. */
        boolean creates() {
            return op == Op.MKDIR || op == Op.MKNOD;
        }

        /**
         * The errno the kernel answers before it looks the name up, or 0: unknown unlinkat flags;
         * a type mknod does not make (a directory: EPERM); an empty symlink text.
         */
        int refusedUnseen(String text) {
            if ((flags & ~AT_REMOVEDIR) != 0) {
                return Errno.EINVAL;
            }
            if (op == Op.MKNOD) {
                return switch (mode & S_IFMT) {
                    case 0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK -> 0;
                    case S_IFDIR -> Errno.EPERM;
                    default -> Errno.EINVAL;
                };
            }
            return op == Op.SYMLINK && text.isEmpty() ? Errno.ENOENT : 0;
        }
    }

    /**
     * Serves a held call on one name: reads the name (and a symlink's text) once, walks to its
     * directory with the program's identity, shows the sinks the change ({@link NameChange}: a
     * name removed or a file made there, by its real path) and, unless they refuse it (EPERM), lets
     * the kernel make the call from that directory with the last component as the program gave
     * it, so "." , "..", trailing slashes and everything about the last component are answered as
     * natively.
     *
     * @return false when given up on the notifier (a directory on a filesystem that may block)
     */
    private boolean serveOne(Call call, One o) {
        SeccompNotification n = call.notification();
        SyscallEvent ev = new SyscallEvent(call.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                n.arg5(), false, 0);
        String text = "";
        String path = "";
        int early;
        try {
            if (o.op() == Op.SYMLINK) {
                text = memory.path(call.tid(), o.target()); // read first, as the kernel does
            }
            early = o.refusedUnseen(text);
            if (early == 0) {
                path = memory.path(call.tid(), o.addr());
            }
        } catch (ProgramMemory.Fault f) {
            call.failUnreadable(ev, f);
            return true;
        }
        Snapshot given = Snapshot.ofString(o.addr(), path);
        if (early != 0) {
            call.refuse(ev, given, early);
            return true;
        }
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, o.creates());
        if (who.isEmpty()) {
            call.fail(ev, given, Errno.ESRCH);
            return true;
        }
        // The root and what the walks reached are the call's until it is answered (HeldFiles):
        // released before the answer, not after it.
        try (ProgramRoot root = call.held().root(ProgramRoot.of(calls, call.tid()));
                Identity.Assumed _ = who.get().assume(own)) {
            Split name = Split.of(path);
            int dir = path.isEmpty() ? -Errno.ENOENT : directory(call, who.get(), root, o.dirfd(), name.parent());
            if (dir == GIVEN_UP) {
                return false;
            }
            call.held().fd(dir);
            try {
                if (call.enter(ev, given) != 0) {
                    return true;
                }
                int r = dir < 0 ? dir : one(call, o, who.get(), root, dir, name, path, text);
                call.complete(ev, given, r);
            } finally {
                call.held().release();
            }
        }
        return true;
    }

    /**
     * Makes a call on one name in our fd {@code dir} of its directory, once the sinks let the
     * change through: 0 or -errno.
     */
    private int one(Call call, One o, Identity who, ProgramRoot root, int dir, Split name, String path, String text) {
        if (o.op() == Op.RMDIR && path.chars().allMatch(c -> c == '/')) {
            return -Errno.EBUSY; // rmdir("/"), which the kernel refuses before looking at "." in it
        }
        if (refusedInRunDirectory(call, o.syscall(), dir)) {
            return -Errno.EPERM;
        }
        if (name.plain()) {
            Optional<String> at = names.of(dir, call.tid());
            Optional<String> there = at.map(d -> RealPath.join(d, "/" + name.name()));
            if (there.isEmpty()) {
                return unnamed(call, o.syscall(), dir);
            }
            String comm = call.comm();
            NameChange change = switch (o.op()) {
                case UNLINK, RMDIR -> {
                    PathCalls.Stat st = calls.lstatAt(dir, name.name());
                    yield st == null ? null : NameChange.removed(o.syscall(), call.tgid(), call.tid(), comm, there.get(),
                            NameWalks.reached(st));
                }
                case MKDIR, MKNOD -> NameChange.created(o.syscall(), call.tgid(), call.tid(), comm, there.get(), false)
                        .in(parent(at.get(), dir));
                case SYMLINK -> NameChange.symlinked(o.syscall(), call.tgid(), call.tid(), comm, there.get(),
                        leadsTo(call, root, at.get(), text)).in(parent(at.get(), dir));
            };
            if (change != null && decidesNames && call.refuses(change)) {
                return -Errno.EPERM;
            }
            if (o.op() == Op.MKNOD || o.op() == Op.SYMLINK) {
                int asBind = call.refusedAsBind(change);
                if (asBind != 0) {
                    return -asBind;
                }
            }
        }
        if (o.op() == Op.UNLINK || o.op() == Op.RMDIR) {
            int busy = mountPoints.remove(call, o.syscall(), dir, name, o.op() == Op.RMDIR);
            if (busy != 0) {
                return busy;
            }
        }
        String last = name.last();
        return landlock.perform(call.tid(), who, () -> switch (o.op()) {
            case UNLINK -> calls.unlinkat(dir, last, 0);
            case RMDIR -> calls.unlinkat(dir, last, AT_REMOVEDIR);
            case MKDIR -> calls.mkdirat(dir, last, o.mode());
            case MKNOD -> calls.mknodat(dir, last, o.mode(), o.dev());
            case SYMLINK -> calls.symlinkat(text, dir, last);
        });
    }

    /**
     * The absolute path a symbolic link made in the directory named {@code linkDir} with text
     * {@code text} leads to, joined as written: "." and empty components dropped, no link on the
     * way followed, which the names below each were decided on when made. Null where that join
     * does not tell: a text with a "..", which goes up from wherever the link before it leads; an
     * empty one; an absolute one of a program with a root of its own, since whoever follows the
     * link (a client outside the run) follows it from its own root; and one that leads onto
     * procfs, whose links no one made by name ({@code /proc/PID/root/run} took an outside client
     * into the program's mount namespace, where {@code run} was its own bind mount: red-team
     * round 18).
     */
    private String leadsTo(Call call, ProgramRoot root, String linkDir, String text) {
        List<String> parts = new ArrayList<>();
        for (String part : text.split("/")) {
            if (part.equals("..")) {
                return null;
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        String base = !text.startsWith("/") ? linkDir
                : root.fd() >= 0 && names.of(root.fd(), call.tid()).filter("/"::equals).isPresent() ? "/" : null;
        String to = text.isEmpty() || base == null ? null : RealPath.join(base, "/" + String.join("/", parts));
        return to == null || names.onProcfs(to) ? null : to;
    }

    /**
     * What the walks of a link or rename reached: our fds of the object to link (or of the old
     * name's directory) and of the new name's directory, or the -errno of the first walk that
     * failed, as the kernel looks the names up in that order. The call holds the fds until it is
     * answered ({@link Call#held}).
     */
    private record Plan(int first, int second, int failed) {
        static Plan failed(int errno, int... fds) {
            for (int fd : fds) {
                PathCalls.close(fd);
            }
            return new Plan(-1, -1, errno);
        }
    }

    /** renameat2 refuses unknown flags, and EXCHANGE with either of the others, before any lookup. */
    private static boolean badRenameFlags(int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) {
            return true;
        }
        return (flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0;
    }

    /**
     * Walks a link's names: the old one to its object (its last symlink followed only with
     * AT_SYMLINK_FOLLOW; AT_EMPTY_PATH with an empty name takes the dirfd's file), the new one to
     * its directory. Null when a walk on the notifier was given up. {@code unreadTo}: the errno
     * of a new name that could not be read (null {@code to}), met where it would be walked.
     */
    private Plan linkPlan(Call call, Args a, Identity who, ProgramRoot root, String from, String to, int unreadTo) {
        int object;
        if (from.isEmpty() && (a.flags() & AT_EMPTY_PATH) != 0) {
            object = walks.objectOf(call, a.olddirfd());
        } else {
            int flags = O_PATH | ((a.flags() & AT_SYMLINK_FOLLOW) != 0 ? 0 : O_NOFOLLOW);
            PathWalk.Located at = walks.walk(call, who, root, a.olddirfd(), from, flags, true);
            if (at instanceof PathWalk.Located.Elsewhere) {
                return null;
            }
            object = NameWalks.found(at);
        }
        if (object < 0) {
            return Plan.failed(object);
        }
        int dir = unreadTo != 0 ? -unreadTo : to.isEmpty() ? -Errno.ENOENT
                : directory(call, who, root, a.newdirfd(), Split.of(to).parent());
        if (dir == GIVEN_UP) {
            PathCalls.close(object);
            return null;
        }
        return dir < 0 ? Plan.failed(dir, object) : new Plan(object, dir, 0);
    }

    /**
     * Links, once the sinks allowed the new name: the kernel links our fd of the object walked
     * to (so the very file decided on, whatever its name is now) into the new name's directory.
     *
     * @return 0 or -errno
     */
    private int link(Call call, Args a, Identity who, Plan plan, String from, String to) {
        int object = plan.first();
        int dir = plan.second();
        Split target = Split.of(to);
        if (refusedInRunDirectory(call, a.syscall(), dir)) {
            return -Errno.EPERM;
        }
        // A socket, a pipe or an anonymous inode (its fd given with AT_EMPTY_PATH) is on no
        // filesystem a rule can name, and the kernel links it into none (EXDEV, after its own checks).
        if (namesDecided && target.plain() && !(from.isEmpty() && RealPath.onNoFilesystem(calls, object))) {
            Optional<String> now = names.of(object, call.tid());
            Optional<String> at = names.of(dir, call.tid());
            Optional<String> there = at.map(d -> RealPath.join(d, "/" + target.name()));
            if (now.isEmpty() || there.isEmpty()) {
                return unnamed(call, a.syscall(), now.isEmpty() ? object : dir);
            }
            PathCalls.Stat st = calls.fstat(object);
            NameChange move = NameChange.moved(a.syscall(), call.tgid(), call.tid(), call.comm(), now.get(), there.get(),
                    NameWalks.reached(st), st != null && st.isSymlink(), st != null && st.isDirectory())
                    .in(parent(at.get(), dir));
            if (decidesNames && call.refuses(move)) {
                return -Errno.EPERM;
            }
            int asBind = call.refusedAsBind(move);
            if (asBind != 0) {
                return -asBind;
            }
        }
        if (from.isEmpty()) {
            int r = landlock.perform(call.tid(), who, () -> calls.linkat(object, "", dir, target.last(), AT_EMPTY_PATH));
            if (r != -Errno.ENOENT) {
                return r;
            }
            // Without CAP_DAC_READ_SEARCH the kernel takes AT_EMPTY_PATH only from the task that
            // opened the file, with the credentials it opened it with: never seccheck's thread. The
            // link is then made through the file's /proc link, as the program itself may
            // (linkat of /proc/self/fd/N with AT_SYMLINK_FOLLOW): the same link, and its answer.
        }
        return landlock.perform(call.tid(), who,
                () -> calls.linkat(AT_FDCWD, "/proc/thread-self/fd/" + object, dir, target.last(), AT_SYMLINK_FOLLOW));
    }

    /**
     * Walks a rename's names to their directories, as the kernel's rename looks them up. Null when
     * a walk on the notifier was given up, or there a directory would move (its names below are
     * walked on a pool thread). {@code unreadTo} as for {@link #linkPlan}.
     */
    private Plan renamePlan(Call call, Args a, Identity who, ProgramRoot root, String from, String to, int unreadTo) {
        Split source = Split.of(from);
        int oldDir = from.isEmpty() ? -Errno.ENOENT : directory(call, who, root, a.olddirfd(), source.parent());
        if (oldDir == GIVEN_UP) {
            return null;
        }
        if (oldDir < 0) {
            return Plan.failed(oldDir);
        }
        if (unreadTo != 0) {
            return Plan.failed(-unreadTo, oldDir);
        }
        Split target = Split.of(to);
        int newDir = to.isEmpty() ? -Errno.ENOENT : directory(call, who, root, a.newdirfd(), target.parent());
        if (newDir == GIVEN_UP) {
            PathCalls.close(oldDir);
            return null;
        }
        if (newDir < 0) {
            return Plan.failed(newDir, oldDir);
        }
        if (call.onNotifier() && (isDirectory(oldDir, source)
                || ((a.flags() & RENAME_EXCHANGE) != 0 && isDirectory(newDir, target)))) {
            PathCalls.close(oldDir);
            PathCalls.close(newDir);
            return null;
        }
        return new Plan(oldDir, newDir, 0);
    }

    private boolean isDirectory(int dir, Split name) {
        PathCalls.Stat st = name.plain() ? calls.lstatAt(dir, name.name()) : null;
        return st != null && st.isDirectory();
    }

    /**
     * Renames, once the sinks allowed the file at the old name (and with RENAME_EXCHANGE the one
     * at the new name) its new name: the kernel renames between the two directories walked to.
     * {@code out}: the rename's hold while a sink decides on what runs, else null.
     *
     * @return 0 or -errno
     */
    private int rename(Call call, Args a, Identity who, Plan plan, String from, String to,
            RenamesOutOfWhatRuns.Renaming out) {
        Split source = Split.of(from);
        Split target = Split.of(to);
        int oldDir = plan.first();
        int newDir = plan.second();
        if (refusedInRunDirectory(call, a.syscall(), oldDir) || refusedInRunDirectory(call, a.syscall(), newDir)) {
            return -Errno.EPERM;
        }
        if (source.plain() && target.plain()) {
            int r = check(call, a, oldDir, source, newDir, target, out);
            if (r < 0) {
                return r;
            }
            if ((a.flags() & RENAME_EXCHANGE) != 0) {
                r = check(call, a, newDir, target, oldDir, source, out);
                if (r < 0) {
                    return r;
                }
            }
        }
        int r = mountPoints.rename(call, a.syscall(), oldDir, source, newDir, target, a.flags());
        if (r == 0) {
            r = landlock.perform(call.tid(), who,
                    () -> calls.renameat2(oldDir, source.last(), newDir, target.last(), a.flags()));
        }
        if (out != null) {
            out.made(r);
        }
        return r;
    }


    /**
     * Whether {@code dir} (our fd of the directory a walk found, which the call is made in) is this
     * run's control directory ({@link RefusingServers#isRunDirectory}); if so the call is refused
     * and logged. Where seccheck makes the program's listens, the run's own pid is the listener
     * of any socket the program binds: one bound elsewhere and renamed or linked over the run's
     * {@code control.sock} would be taken for the run by its control clients, and a rewritten
     * {@code run.json} could point them elsewhere.
     */
    private boolean refusedInRunDirectory(Call call, String syscall, int dir) {
        PathCalls.Stat st = dir < 0 ? null : calls.fstat(dir);
        if (st == null || !RefusingServers.isRunDirectory(st.dev(), st.ino())) {
            return false;
        }
        log.accept("refused " + syscall + " from task " + call.tid() + " (" + call.comm() + "): it changes a name in"
                + " this run's control directory, where seccheck's control socket and record live (EPERM)");
        return true;
    }

    /**
     * Refuses a call on a name in {@code fd} (our fd of its directory, or of the file linked) that
     * has no name a rule could be checked on, and says why in a line: EACCES, whatever
     * {@code on_missing} says, since the change cannot be decided, but not silently (a deep
     * {@code mkdir -p} or {@code rm -rf} failed with no word of the reason).
     */
    private int unnamed(Call call, String syscall, int fd) {
        log.accept(names.refusedUnnamed(syscall, call.tid(), call.comm(), fd));
        return -Errno.EACCES;
    }

    /**
     * Shows the sinks the file at {@code source} in {@code fromDir} losing that name and getting its
     * name in {@code toDir} (for a directory, every name below it too): 0 when they let it through
     * or there is no such file (the kernel then says what natively happens), else -EPERM (refused,
     * or a tree too large or unreadable to check) or -EACCES (a mount seccheck cannot name). The new
     * name is also decided as a bind of a socket there ({@link Call#refusedAsBind}), whether a file
     * is at the old name now or not: then the errno is the one the sinks on binding chose. While a
     * sink decides on what runs ({@code out}, else null), a rename out of its rules is recorded.
     */
    private int check(Call call, Args a, int fromDir, Split source, int toDir, Split target,
            RenamesOutOfWhatRuns.Renaming out) {
        PathCalls.Stat st = calls.lstatAt(fromDir, source.name()); // null: none now (the kernel's rename says so)
        Optional<String> now = names.of(fromDir, call.tid()).map(d -> RealPath.join(d, "/" + source.name()));
        Optional<String> at = names.of(toDir, call.tid());
        Optional<String> there = at.map(d -> RealPath.join(d, "/" + target.name()));
        if (now.isEmpty() || there.isEmpty()) {
            // Held for a rule on what runs alone, it goes through: a file executed on a mount
            // seccheck cannot name has no binary_path for that rule to decide on by name.
            return namesDecided ? -Errno.EACCES : 0;
        }
        NameChange.Parent parent = parent(at.get(), toDir);
        NameChange move = NameChange.moved(a.syscall(), call.tgid(), call.tid(), call.comm(), now.get(), there.get(),
                NameWalks.reached(st), st != null && st.isSymlink(), st != null && st.isDirectory()).in(parent);
        // The old name goes away as an unlink would take it: a rename may not empty a name the
        // task may not open any more than rm may.
        if (st != null && decidesNames && (call.refuses(move) || call.refuses(move.oldNameRemoved()))) {
            return -Errno.EPERM;
        }
        // Decided on the new name whatever is at the old one now (none, when another thread is
        // about to put a socket there): the kernel renames by name.
        int asBind = call.refusedAsBind(move);
        if (asBind != 0) {
            return -asBind;
        }
        if (out != null && out.side(call, move, st, fromDir, source.name(), toDir, target.name())) {
            return -Errno.EPERM;
        }
        if (st == null || !decidesNames || !st.isDirectory()) {
            return 0;
        }
        NameChange moved = NameChange.moved(a.syscall(), call.tgid(), call.tid(), call.comm(), now.get(),
                there.get(), null, false, true).in(parent);
        if (call.onNotifier()) {
            // A file the walk found was made a directory since: its tree is not walked here,
            // where a slow filesystem below it would hold every other call.
            log.accept(moved.syscall() + " of " + moved.from() + " by task " + call.tid()
                    + " refused: it became a directory while the call was checked");
            return -Errno.EPERM;
        }
        int below = below(call, fromDir, source.name(), moved);
        if (below != MOUNT_POINT) {
            return below;
        }
        // Answered as natively where the mount is still there (EACCES, EXDEV... before EBUSY).
        int busy = mountPoints.rename(call, a.syscall(), fromDir, source, toDir, target, a.flags());
        return busy != 0 ? busy : mountPointGone(fromDir, source, toDir, target);
    }

    /**
     * What a rename of {@code source} in {@code fromDir}, a mount point when its names below were
     * to be walked and none since, to {@code target} in {@code toDir} answers without moving the
     * directory the mount covered, whose names no one checked: 0 to make it where the two
     * directories are on different mounts (the kernel's EXDEV) or it names itself (the kernel's
     * 0, nothing moved); else EBUSY, as natively for a rename made while the mount was there.
     */
    private int mountPointGone(int fromDir, Split source, int toDir, Split target) {
        if (calls.mountId(fromDir) != calls.mountId(toDir)) {
            return 0;
        }
        PathCalls.Stat a = calls.fstat(fromDir);
        PathCalls.Stat b = calls.fstat(toDir);
        boolean itself = a != null && b != null && a.dev() == b.dev() && a.ino() == b.ino()
                && source.name().equals(target.name());
        return itself ? 0 : -Errno.EBUSY;
    }

    /**
     * Shows the sinks every name below a moved directory (walked without following symlinks, with
     * the program's identity, through our own fds: getdents64 and fstatat, at most
     * {@link TreeWalk#HELD} directories open at once): -EPERM when one is refused, when there are
     * more than {@link #MAX_BELOW}, or when a directory below cannot be listed or changes during
     * the walk; else 0. The walk goes into the mounts below and lists what the program sees there;
     * a directory that is a mount point also covers names it cannot list, which the sinks decide
     * on as a whole ({@link Call#refusesCovered}): a rule that may decide one of them otherwise
     * under the new name refuses the move.
     */
    private int below(Call call, int dir, String name, NameChange moved) {
        int top = calls.openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (top < 0) {
            return 0; // gone since: the kernel's rename says what happens
        }
        // A mount made on the name since it was looked at (a race of the program's): the walk
        // would list the mount's files, and the rename move the directory it covers, whose names
        // no one checked (red-team round 18: 10 of 10 read). Natively a mount point is not moved.
        long mount = calls.mountId(top);
        if (mount < 0 || mount != calls.mountId(dir)) {
            PathCalls.close(top);
            return MOUNT_POINT;
        }
        int seen = 0;
        String why;
        try (TreeWalk walk = new TreeWalk(calls, top, false)) {
            for (TreeWalk.Entry e = walk.next(); e != null; e = walk.next()) {
                if (++seen > MAX_BELOW) {
                    break;
                }
                PathCalls.Stat st = e.stat();
                if (st == null) {
                    continue; // gone since: nothing to move under a new name
                }
                NameChange each = moved.below(e.rel(), NameWalks.reached(st), st.isSymlink(), st.isDirectory());
                if (call.refuses(each) || call.refuses(each.oldNameRemoved())) {
                    return -Errno.EPERM;
                }
                // A mount over a directory covers names no walk from the program's namespace lists.
                if (e.mountPoint() && st.isDirectory() && call.refusesCovered(each)) {
                    return -Errno.EPERM;
                }
                if (st.isDirectory() && !walk.enter(e)) {
                    break;
                }
            }
            why = seen > MAX_BELOW ? "more than " + MAX_BELOW + " names below it to check against the rules on opening files"
                    : walk.why();
        }
        if (why != null) {
            log.accept(moved.syscall() + " of " + moved.from() + " by task " + call.tid() + " refused: " + why);
            return -Errno.EPERM;
        }
        return 0;
    }

    /**
     * The directory of our fd {@code dir}, named {@code path}, that a name is made in: its device
     * and inode let a rule know it under another name than the kernel's (a bind mount's).
     */
    private NameChange.Parent parent(String path, int dir) {
        return new NameChange.Parent(path, NameWalks.reached(calls.fstat(dir)));
    }

    /**
     * Our O_PATH fd of the directory {@code path} names (from the dirfd, the cwd or the root), or
     * -errno, or {@link #GIVEN_UP} when a walk on the notifier would look names up where that may block.
     */
    private int directory(Call call, Identity who, ProgramRoot root, int dirfd, String path) {
        PathWalk.Located at = walks.walk(call, who, root, dirfd, path, O_PATH | O_DIRECTORY, false);
        if (at instanceof PathWalk.Located.Elsewhere) {
            return GIVEN_UP;
        }
        int fd = NameWalks.found(at);
        if (fd >= 0 && !(at instanceof PathWalk.Located.Found f && f.directory())) {
            PathCalls.close(fd);
            return -Errno.ENOTDIR;
        }
        if (fd >= 0) {
            // The kernel's walk of the whole name asks to search the directory before its last
            // component (EACCES), before it looks at the other name's dirfd.
            int searched = calls.openat(fd, ".", O_PATH | O_CLOEXEC);
            if (searched < 0) {
                PathCalls.close(fd);
                return searched;
            }
            PathCalls.close(searched);
        }
        return fd;
    }

    private static Args args(SeccompNotification n) {
        return switch (n.nr()) {
            case Sysno.LINK -> new Args("link", AT_FDCWD, n.arg0(), AT_FDCWD, n.arg1(), 0, true);
            case Sysno.LINKAT -> new Args("linkat", (int) n.arg0(), n.arg1(), (int) n.arg2(), n.arg3(), (int) n.arg4(),
                    true);
            case Sysno.RENAME -> new Args("rename", AT_FDCWD, n.arg0(), AT_FDCWD, n.arg1(), 0, false);
            case Sysno.RENAMEAT -> new Args("renameat", (int) n.arg0(), n.arg1(), (int) n.arg2(), n.arg3(), 0, false);
            case Sysno.RENAMEAT2 -> new Args("renameat2", (int) n.arg0(), n.arg1(), (int) n.arg2(), n.arg3(),
                    (int) n.arg4(), false);
            default -> throw new IllegalArgumentException("not a link or rename: syscall " + n.nr());
        };
    }
}
