package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_EMPTY_PATH;
import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.DescriptorCalls;
import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.IoctlArgument;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sink.NameChange;
import java.util.Optional;

/**
 * AttributeCalls performs, for the program, the calls that change a file by name without
 * opening it, while a sink decides on opening files: who may open it (chmod, fchmodat, chown,
 * lchown, fchownat, and the extended attributes by name, setxattr, lsetxattr, removexattr,
 * lremovexattr, of which {@code system.posix_acl_access} grants other users access as chmod does)
 * and its times (utime, utimes, futimesat and utimensat with a name: {@link FileTimes}). The name
 * (and an attribute's name and value, or the times) is read once, walked to its object as the
 * program would (its last symlink followed but for lchown, the l*xattr calls and
 * AT_SYMLINK_NOFOLLOW; AT_EMPTY_PATH with an empty name takes the dirfd's file), the sinks are
 * shown the file by its real path
 * ({@link NameChange#altered}) and may refuse (EPERM), and the kernel changes that very file
 * through seccheck's descriptor of it, with the program's identity.
 *
 * <p>The same holds for the forms that change the file of a descriptor the program holds, with no
 * name: fchmod, fchown, fsetxattr, fremovexattr, utimensat and futimesat with a descriptor and no
 * name (futimens), and the ioctls that change a file through any descriptor of its owner's
 * ({@link FileAttributeIoctls}: its flags, generation, encryption policy, block map). A rule
 * that lets some opens of a name through (a condition on {@code flags}: read-only opens) gives
 * the program a descriptor of a file whose mode, owner, ACL, times and flags it may not change by
 * name (nor, for a directory, encrypt so that no name can be made in it without its key);
 * natively any descriptor of the owner's changes them. seccheck takes the descriptor
 * ({@code pidfd_getfd}: the same open file, so an O_PATH one stays one), names its file as for
 * AT_EMPTY_PATH, shows the sinks the change, and makes the very call on its copy of the
 * descriptor with the program's identity, so the kernel answers as it would have answered the
 * program (a file of another user's EPERM). An O_PATH descriptor holds no file for these calls:
 * it is answered EBADF, as the kernel answers it, before the sinks are shown anything (they
 * refused it with EPERM and an alert before).
 *
 * <p>The ids a call names (a chown's owner and group, the users and groups of a POSIX ACL, a
 * version-3 file capability's root) are the caller's user namespace's; seccheck's call is read in
 * seccheck's, so they are translated first ({@link ProgramIds}), and one the caller's namespace
 * does not map fails with the kernel's EINVAL.
 */
final class AttributeCalls {

    /** The longest attribute name the kernel takes (XATTR_NAME_MAX). */
    private static final int XATTR_NAME_MAX = 255;
    /** The largest attribute value the kernel takes (XATTR_SIZE_MAX). */
    private static final int XATTR_SIZE_MAX = 65536;
    private static final int XATTR_CREATE = 1;
    private static final String SECURITY_PREFIX = "security.";
    private static final String SECURITY_CAPABILITY = "security.capability";
    private static final int XATTR_REPLACE = 2;

    private final PathCalls calls;
    private final NameWalks walks;
    private final ProgramMemory memory;
    private final Identity.Own own;
    private final RealPath names;
    private final TaskFiles tasks;
    private final LandlockDomains landlock;
    private final DescriptorCalls descriptors = new DescriptorCalls();
    /** The run's log, which says why a change was refused when no rule could be checked on it. */
    private final java.util.function.Consumer<String> log;

    AttributeCalls(PathCalls calls, NameWalks walks, ProgramMemory memory, Identity.Own own, RealPath names,
            TaskFiles tasks, LandlockDomains landlock, java.util.function.Consumer<String> log) {
        this.log = log;
        this.calls = calls;
        this.walks = walks;
        this.memory = memory;
        this.own = own;
        this.names = names;
        this.tasks = tasks;
        this.landlock = landlock;
    }

    /**
     * What a call changes: FLAGS, what an ioctl sets ({@link FileAttributeIoctls}: the flags, the
     * generation, an encryption policy, the block map, fs-verity).
     */
    private enum Op { MODE, OWNER, SET_XATTR, REMOVE_XATTR, TIMES, FLAGS }

    /**
     * The arguments of one of these calls ({@code dirfd}: for the descriptor forms, the
     * descriptor; {@code mode}: an ioctl's request for FLAGS; {@code flags}: AT_SYMLINK_NOFOLLOW and
     * AT_EMPTY_PATH for fchownat and utimensat, XATTR_CREATE and XATTR_REPLACE for setxattr;
     * {@code nofollow} whether the last symlink is the object; {@code value} the times' address for
     * the TIMES calls, the ioctl's argument's address for FLAGS; {@code descriptor} whether the call changes
     * the file of the descriptor {@code dirfd} and names none).
     */
    private record Args(String syscall, Op op, int dirfd, long addr, int mode, int uid, int gid, int flags,
            boolean nofollow, long xattrName, long value, long size, boolean descriptor) {
        Args(String syscall, Op op, int dirfd, long addr, int mode, int uid, int gid, int flags, boolean nofollow,
                long xattrName, long value, long size) {
            this(syscall, op, dirfd, addr, mode, uid, gid, flags, nofollow, xattrName, value, size, false);
        }

        /** These arguments with the owner {@code uid} and group {@code gid} instead. */
        Args withOwner(int uid, int gid) {
            return new Args(syscall, op, dirfd, addr, mode, uid, gid, flags, nofollow, xattrName, value, size, descriptor);
        }

        static Args of(SeccompNotification n) {
            int cwd = AT_FDCWD;
            int fd = (int) n.arg0();
            if (FileTimes.namesNone(n)) {
                int flags = n.nr() == Sysno.UTIMENSAT ? (int) n.arg3() : 0;
                return new Args(Sysno.name(n.nr()), Op.TIMES, fd, 0, 0, 0, 0, flags, false, 0, n.arg2(), 0, true);
            }
            return switch (n.nr()) {
                case Sysno.FCHMOD -> new Args("fchmod", Op.MODE, fd, 0, (int) n.arg1(), 0, 0, 0, false, 0, 0, 0, true);
                case Sysno.FCHOWN -> new Args("fchown", Op.OWNER, fd, 0, 0, (int) n.arg1(), (int) n.arg2(), 0, false, 0,
                        0, 0, true);
                case Sysno.FSETXATTR -> new Args("fsetxattr", Op.SET_XATTR, fd, 0, 0, 0, 0, (int) n.arg4(), false,
                        n.arg1(), n.arg2(), n.arg3(), true);
                case Sysno.FREMOVEXATTR -> new Args("fremovexattr", Op.REMOVE_XATTR, fd, 0, 0, 0, 0, 0, false, n.arg1(),
                        0, 0, true);
                case Sysno.IOCTL -> new Args("ioctl", Op.FLAGS, fd, 0, (int) n.arg1(), 0, 0, 0, false, 0, n.arg2(), 0,
                        true);
                case Sysno.CHMOD -> new Args("chmod", Op.MODE, cwd, n.arg0(), (int) n.arg1(), 0, 0, 0, false, 0, 0, 0);
                case Sysno.FCHMODAT -> new Args("fchmodat", Op.MODE, (int) n.arg0(), n.arg1(), (int) n.arg2(), 0, 0, 0,
                        false, 0, 0, 0);
                case Sysno.CHOWN -> new Args("chown", Op.OWNER, cwd, n.arg0(), 0, (int) n.arg1(), (int) n.arg2(), 0, false,
                        0, 0, 0);
                case Sysno.LCHOWN -> new Args("lchown", Op.OWNER, cwd, n.arg0(), 0, (int) n.arg1(), (int) n.arg2(), 0,
                        true, 0, 0, 0);
                case Sysno.FCHOWNAT -> new Args("fchownat", Op.OWNER, (int) n.arg0(), n.arg1(), 0, (int) n.arg2(),
                        (int) n.arg3(), (int) n.arg4(), ((int) n.arg4() & AT_SYMLINK_NOFOLLOW) != 0, 0, 0, 0);
                case Sysno.SETXATTR, Sysno.LSETXATTR -> new Args(Sysno.name(n.nr()), Op.SET_XATTR, cwd, n.arg0(), 0, 0, 0,
                        (int) n.arg4(), n.nr() == Sysno.LSETXATTR, n.arg1(), n.arg2(), n.arg3());
                case Sysno.REMOVEXATTR, Sysno.LREMOVEXATTR -> new Args(Sysno.name(n.nr()), Op.REMOVE_XATTR, cwd, n.arg0(),
                        0, 0, 0, 0, n.nr() == Sysno.LREMOVEXATTR, n.arg1(), 0, 0);
                case Sysno.UTIME, Sysno.UTIMES -> new Args(Sysno.name(n.nr()), Op.TIMES, cwd, n.arg0(), 0, 0, 0, 0, false,
                        0, n.arg1(), 0);
                case Sysno.FUTIMESAT -> new Args("futimesat", Op.TIMES, (int) n.arg0(), n.arg1(), 0, 0, 0, 0, false, 0,
                        n.arg2(), 0);
                case Sysno.UTIMENSAT -> new Args("utimensat", Op.TIMES, (int) n.arg0(), n.arg1(), 0, 0, 0, (int) n.arg3(),
                        ((int) n.arg3() & AT_SYMLINK_NOFOLLOW) != 0, 0, n.arg2(), 0);
                default -> throw new IllegalArgumentException("not a chmod, chown, xattr or times call: syscall " + n.nr());
            };
        }
    }

    /** Whether the call {@code n} is one this class performs: ioctl only for the requests {@link FileAttributeIoctls} holds. */
    static boolean serves(SeccompNotification n) {
        return n.nr() == Sysno.IOCTL ? FileAttributeIoctls.held(n.arg1()) : heldWhole(n.nr());
    }

    /** Whether every call of syscall {@code nr} is held: all of these but ioctl, which is held by its request. */
    static boolean heldWhole(int nr) {
        return switch (nr) {
            case Sysno.CHMOD, Sysno.FCHMODAT, Sysno.CHOWN, Sysno.LCHOWN, Sysno.FCHOWNAT, Sysno.SETXATTR, Sysno.LSETXATTR,
                    Sysno.REMOVEXATTR, Sysno.LREMOVEXATTR, Sysno.UTIME, Sysno.UTIMES, Sysno.FUTIMESAT, Sysno.UTIMENSAT,
                    Sysno.FCHMOD, Sysno.FCHOWN, Sysno.FSETXATTR, Sysno.FREMOVEXATTR -> true;
            default -> false;
        };
    }

    /** The attribute's name and value, as seccheck read them once. */
    private record Xattr(String name, byte[] value) {}

    /**
     * The call's arguments and attribute with the ids they name as seccheck's user namespace
     * numbers them ({@link ProgramIds}), or the errno the kernel answers once it found the file
     * (EINVAL: an id the caller's namespace does not map), else 0.
     */
    private record Named(Args args, Xattr xattr, int errno) {}

    /**
     * Names the ids of a chown's owner and group (-1 kept: "leave it") and of an ACL's or a file
     * capability's value ({@link ProgramIds#value}) as seccheck numbers them, for thread
     * {@code tid}. Read before the thread takes the program's identity; a call that names no id,
     * or a thread in seccheck's user namespace, reads nothing more.
     */
    private Named named(int tid, Args a, Xattr xattr) {
        boolean owner = a.op() == Op.OWNER;
        if (!owner && (xattr == null || xattr.value() == null || !ProgramIds.namesIds(xattr.name()))) {
            return new Named(a, xattr, 0);
        }
        ProgramIds ids = ProgramIds.of(tasks, tid);
        if (ids == ProgramIds.SAME) {
            return new Named(a, xattr, 0);
        }
        if (owner) {
            // The kernel checks the owner, then the group (chown_common): EINVAL for either.
            long uid = a.uid() == ProgramIds.KEEP ? ProgramIds.KEEP : ids.uid(a.uid());
            if (a.uid() != ProgramIds.KEEP && uid < 0) {
                return new Named(a, xattr, (int) -uid);
            }
            long gid = a.gid() == ProgramIds.KEEP ? ProgramIds.KEEP : ids.gid(a.gid());
            if (a.gid() != ProgramIds.KEEP && gid < 0) {
                return new Named(a, xattr, (int) -gid);
            }
            return new Named(a.withOwner((int) uid, (int) gid), xattr, 0);
        }
        int[] errno = {0};
        byte[] value = ids.value(xattr.name(), xattr.value(), errno);
        return value == null ? new Named(a, xattr, errno[0]) : new Named(a, new Xattr(xattr.name(), value), 0);
    }

    /**
     * Serves a held call: what the kernel refuses before it looks the name up is refused first
     * (unknown flags: EINVAL; an attribute name that is empty or too long: ERANGE; a value over
     * 64 KiB: E2BIG; a microsecond out of range: EINVAL; unreadable memory: EFAULT), in the
     * kernel's order; utimensat's two UTIME_OMIT succeed without a look-up. An ioctl's argument
     * the kernel copies after it checked the descriptor: unreadable, the call is made with none
     * ({@link DescriptorCalls#ioctl}), which the kernel fails as it would the program's.
     *
     * @return false when given up on the notifier (a name, or a descriptor's file, on a filesystem
     *     that may block)
     */
    boolean serve(Call call) {
        SeccompNotification n = call.notification();
        Args a = Args.of(n);
        SyscallEvent ev = new SyscallEvent(call.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                n.arg5(), false, 0);
        Xattr xattr = null;
        FileTimes times = null;
        String path;
        try {
            int early = 0;
            if (a.op() == Op.TIMES) {
                times = a.value() == 0 ? FileTimes.NOW
                        : FileTimes.of(n.nr(), memory.bytes(call.tid(), a.value(), FileTimes.size(n.nr())));
                if (times.nothing()) {
                    if (call.enter(ev, Snapshot.NOTHING) == 0) {
                        call.complete(ev, Snapshot.NOTHING, 0);
                    }
                    return true;
                }
                early = times.errno();
            }
            if (early == 0) {
                early = earlyErrno(a);
            }
            if (early == 0 && (a.op() == Op.SET_XATTR || a.op() == Op.REMOVE_XATTR)) {
                String name = memory.path(call.tid(), a.xattrName());
                if (name.isEmpty() || FileNames.encode(name).length > XATTR_NAME_MAX) {
                    early = Errno.ERANGE;
                } else if (a.op() == Op.SET_XATTR && Long.compareUnsigned(a.size(), XATTR_SIZE_MAX) > 0) {
                    early = Errno.E2BIG;
                } else {
                    xattr = new Xattr(name, a.op() == Op.SET_XATTR ? memory.bytes(call.tid(), a.value(), (int) a.size())
                            : null);
                }
            }
            if (early != 0) {
                call.refuse(ev, Snapshot.NOTHING, early);
                return true;
            }
            path = a.descriptor() ? "" : memory.path(call.tid(), a.addr());
        } catch (ProgramMemory.Fault f) {
            call.failUnreadable(ev, f);
            return true;
        }
        // Null when unreadable: the kernel's copy fails after its check of the descriptor.
        IoctlArgument argument = a.op() == Op.FLAGS
                ? IoctlArguments.read(a.mode(), a.value(), (address, length) -> memory.bytes(call.tid(), address, length))
                : null;
        Snapshot given = a.descriptor() ? Snapshot.NOTHING : Snapshot.ofString(a.addr(), path);
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, false);
        if (who.isEmpty()) {
            call.fail(ev, given, Errno.ESRCH);
            return true;
        }
        Named named = named(call.tid(), a, xattr);
        // The root, and the object and its directory below, are the call's until it is answered
        // (HeldFiles): released before the answer, not after it.
        try (ProgramRoot root = call.held().root(ProgramRoot.of(calls, call.tid()));
                Identity.Assumed _ = who.get().assume(own)) {
            PathWalk.Located at;
            boolean emptyPath = path.isEmpty() && (a.flags() & AT_EMPTY_PATH) != 0
                    && (a.op() == Op.OWNER || a.op() == Op.TIMES);
            if (a.descriptor() || emptyPath) {
                // The descriptor forms take no AT_FDCWD: a negative number is no descriptor (EBADF).
                int fd = a.descriptor() ? walks.descriptor(call, a.dirfd()) : walks.objectOf(call, a.dirfd());
                if (fd >= 0 && a.descriptor() && descriptors.pathOnly(fd)) {
                    // The kernel finds no open file in an O_PATH descriptor (fdget skips FMODE_PATH):
                    // EBADF, as for a closed one, before any right is checked, so before the sinks.
                    PathCalls.close(fd);
                    fd = -Errno.EBADF;
                }
                if (fd >= 0 && call.onNotifier() && !walks.isLocal(fd)) {
                    PathCalls.close(fd); // its file's filesystem may not answer: on a pool thread
                    return false;
                }
                at = fd < 0 ? new PathWalk.Located.Failed(-fd) : new PathWalk.Located.Found(fd, calls.fstat(fd), false, -1, "");
            } else {
                at = walks.walk(call, who.get(), root, a.dirfd(), path, O_PATH | (a.nofollow() ? O_NOFOLLOW : 0), true);
                if (at instanceof PathWalk.Located.Elsewhere) {
                    return false;
                }
            }
            // The directory is kept: a symlink's own attributes are named in it (see alter).
            int parent = -1;
            String last = "";
            PathCalls.Stat stat = null;
            int object;
            if (at instanceof PathWalk.Located.Found f) {
                parent = f.parent();
                last = f.name();
                stat = f.stat();
                object = f.fd();
                if (f.trailingSlash() && !f.directory()) {
                    PathCalls.close(object);
                    object = -Errno.ENOTDIR;
                }
            } else {
                object = NameWalks.found(at);
            }
            call.held().fd(object);
            call.held().fd(parent);
            try {
                if (call.enter(ev, given) != 0) {
                    return true;
                }
                // An id the caller's namespace does not map: the kernel's EINVAL once the file is found.
                int r = object < 0 ? object : named.errno() != 0 ? -named.errno()
                        : alter(call, named.args(), who.get(), object, stat, parent, last, named.xattr(), times, argument);
                call.complete(ev, given, r);
            } finally {
                call.held().release();
            }
        }
        return true;
    }

    /** The errno the kernel answers before reading any name: unknown flags. */
    private static int earlyErrno(Args a) {
        return switch (a.op()) {
            case MODE, FLAGS -> 0;
            case TIMES -> (a.flags() & ~(a.descriptor() ? 0 : AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0 ? Errno.EINVAL : 0;
            case OWNER -> (a.flags() & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0 ? Errno.EINVAL : 0;
            case SET_XATTR -> (a.flags() & ~(XATTR_CREATE | XATTR_REPLACE)) != 0 ? Errno.EINVAL : 0;
            case REMOVE_XATTR -> 0;
        };
    }

    /**
     * Changes the file at our fd {@code object} (its status {@code walked} as the walk read it, or
     * null; its directory our fd {@code parent}, where it is named {@code last}; -1 when unknown),
     * once the sinks let it through: 0 or -errno. {@code argument}: an ioctl's, or null.
     */
    private int alter(Call call, Args a, Identity who, int object, PathCalls.Stat walked, int parent, String last,
            Xattr xattr, FileTimes times, IoctlArgument argument) {
        if (a.op() == Op.FLAGS && argument == null) {
            // Its argument unreadable, the kernel changes nothing: its answer, as natively.
            return landlock.perform(call.tid(), who, () -> byDescriptor(a, object, xattr, times, null));
        }
        Optional<String> name = names.of(object, call.tid());
        boolean unnamed = name.isEmpty() && RealPath.onNoFilesystem(calls, object);
        if (name.isEmpty() && !unnamed) {
            // No rule could be checked on it: not silently (a chmod past PATH_MAX failed with no word).
            log.accept(names.refusedUnnamed(a.syscall(), call.tid(), call.comm(), object));
            return -Errno.EACCES;
        }
        PathCalls.Stat st = walked != null ? walked : calls.fstat(object);
        // A socket's, a pipe's or an anonymous inode's attributes (AT_EMPTY_PATH on its fd) are
        // of no file a rule can name: changed as natively; so is a directory's chown that gives it
        // no new owner or group.
        if (!unnamed && !ownerKept(a, object) && call.refuses(change(call, a.syscall(), a.op(), name.get(), st))) {
            return -Errno.EPERM;
        }
        if (securityAttributeRefused(call.tid(), a, xattr)) {
            return -Errno.EPERM;
        }
        String self = "/proc/thread-self/fd/" + object;
        // A symlink is changed itself only by lchown, l*xattr and AT_SYMLINK_NOFOLLOW; a magic link
        // to it would be changed instead, so the l*xattr calls name it in its directory.
        boolean symlink = st != null && st.isSymlink() && parent >= 0 && !last.isEmpty();
        String named = symlink ? "/proc/thread-self/fd/" + parent + "/" + last : self;
        if (a.descriptor()) {
            return landlock.perform(call.tid(), who, () -> byDescriptor(a, object, xattr, times, argument));
        }
        return landlock.perform(call.tid(), who, () -> switch (a.op()) {
            case MODE -> calls.chmod(self, a.mode());
            case OWNER -> calls.fchownat(object, "", a.uid(), a.gid(), AT_EMPTY_PATH | (a.nofollow() ? AT_SYMLINK_NOFOLLOW : 0));
            case SET_XATTR -> calls.setxattr(named, symlink, xattr.name(), xattr.value(), a.flags());
            case REMOVE_XATTR -> calls.removexattr(named, symlink, xattr.name());
            case TIMES -> calls.utimensat(object, "", times.given(), AT_EMPTY_PATH | (a.nofollow() ? AT_SYMLINK_NOFOLLOW : 0));
            case FLAGS -> throw new IllegalStateException("an ioctl names no file");
        });
    }

    /**
     * Whether a set or removal of a {@code security.*} attribute by a task outside seccheck's user
     * namespace is refused as the kernel would refuse the program's own: it asks CAP_SYS_ADMIN
     * (CAP_SETFCAP for {@code security.capability}) over the user namespace of the file's
     * filesystem. Made by seccheck's thread, that check passed where the program's failed: a
     * filesystem the program mounted in a user namespace of its own is owned by that namespace,
     * whose maker's user seccheck's thread takes, and the maker holds every capability over it
     * (red-team round 23: a program that dropped its capabilities set and removed {@code
     * security.*} attributes on its own tmpfs, as root and as uid 65534). The program's own
     * effective set is what holds in its namespace: without the capability there, it holds it over
     * no filesystem (those of seccheck's namespace or above need it there, where seccheck's
     * thread takes none for such a task). With it, the call is made; a filesystem owned by a
     * namespace between the program's and seccheck's is not told apart.
     */
    private boolean securityAttributeRefused(int tid, Args a, Xattr xattr) {
        if ((a.op() != Op.SET_XATTR && a.op() != Op.REMOVE_XATTR) || xattr == null
                || !xattr.name().startsWith(SECURITY_PREFIX) || tasks.inOwnUserNamespace(tid)) {
            return false;
        }
        long needed = xattr.name().equals(SECURITY_CAPABILITY) ? UserNamespaceFiles.CAP_SETFCAP
                : UserNamespaceFiles.CAP_SYS_ADMIN;
        long[] caps = new long[3];
        return ThreadCredentials.capget(tid, caps) != 0 || (caps[0] & needed) == 0;
    }

    /**
     * Whether the call is a chown of a directory that changes neither its owner nor its group:
     * each id -1, or the one the directory has now (read from {@code object}, seccheck's
     * descriptor of it, which the kernel's call is made on). It changes only the directory's
     * ctime (the kernel drops no mode bits or capabilities of a directory), and with it nothing
     * about who may reach the names below: not shown to the sinks, as natively it goes through
     * (tools call it to keep a tree's owners, {@code fchownat(fd, "", -1, -1, AT_EMPTY_PATH)}).
     * Another chown of the program's cannot change the owner in between unseen: it is shown to
     * the sinks itself. A file's is shown as before: the kernel drops its set-user-ID and
     * set-group-ID bits and its file capabilities, a change of a kept file.
     */
    private boolean ownerKept(Args a, int object) {
        if (a.op() != Op.OWNER) {
            return false;
        }
        PathCalls.Stat st = calls.fstat(object);
        return st != null && st.isDirectory() && (a.uid() == -1 || a.uid() == st.uid())
                && (a.gid() == -1 || a.gid() == st.gid());
    }

    /**
     * The change the sinks are shown: who may reach the file (its mode, owner or an extended
     * attribute; for a directory, or a file whose type could not be read, the names below it too),
     * or its times or flags.
     */
    private static NameChange change(Call call, String syscall, Op op, String name, PathCalls.Stat st) {
        return switch (op) {
            case MODE, OWNER, SET_XATTR, REMOVE_XATTR -> NameChange.accessChanged(syscall, call.tgid(), call.tid(),
                    call.comm(), name, NameWalks.reached(st), st == null || st.isDirectory());
            case TIMES, FLAGS -> NameChange.altered(syscall, call.tgid(), call.tid(), call.comm(), name,
                    NameWalks.reached(st));
        };
    }

    /**
     * Makes the program's descriptor call itself on {@code object}, seccheck's copy of its
     * descriptor (the same open file): the kernel checks it as it would the program's.
     */
    private int byDescriptor(Args a, int object, Xattr xattr, FileTimes times, IoctlArgument argument) {
        return switch (a.op()) {
            case MODE -> descriptors.fchmod(object, a.mode());
            case OWNER -> descriptors.fchown(object, a.uid(), a.gid());
            case SET_XATTR -> descriptors.fsetxattr(object, xattr.name(), xattr.value(), a.flags());
            case REMOVE_XATTR -> descriptors.fremovexattr(object, xattr.name());
            case TIMES -> descriptors.futimens(object, times.given(), a.flags());
            case FLAGS -> descriptors.ioctl(object, a.mode(), argument);
        };
    }
}
