package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_RDWR;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import java.util.function.IntSupplier;

/**
 * UserNamespaceFiles keeps an open seccheck makes of a task's /proc file, whose writes the kernel
 * checks against the opener's capabilities over a user namespace, from giving the program one it
 * lacks. The kernel keeps the opener's credentials with the file ({@code f_cred}) and asks them:
 * <ul>
 * <li>{@code uid_map}, {@code gid_map}: at the write, CAP_SYS_ADMIN over the task's user namespace
 * ({@code map_write}'s {@code file_ns_capable}), then the opener's effective ids and CAP_SETUID,
 * CAP_SETGID and CAP_SETFCAP over its parent ({@code new_idmap_permitted}, {@code verify_root_map});</li>
 * <li>{@code setgroups}: at the open for writing, CAP_SYS_ADMIN over the task's user namespace
 * ({@code proc_setgroups_open}, EACCES);</li>
 * <li>{@code timens_offsets}: at the write, CAP_SYS_TIME over the user namespace owning the
 * task's time namespace for children ({@code proc_timens_set_offset}).</li>
 * </ul>
 * {@code projid_map} asks for no capability (any valid project id may be mapped). seccheck's
 * thread is in seccheck's user namespace with the program's effective uid: over a namespace that
 * uid made right below seccheck's (a program that ran {@code unshare -U}), the kernel gives it
 * every capability whatever its effective set ({@link NamespaceCapability}), while the program
 * after an exec there holds none: it wrote its maps and became root in the namespace. So for a
 * task outside seccheck's user namespace, an open of one of these for writing first compares the
 * program's capability and the thread's there; where only the thread would hold it, seccheck as
 * root opens with an effective uid that made nothing ({@link SocketCapabilities#notOwner}), so
 * that the kernel answers as for the program (the write fails with EPERM, the setgroups open with
 * EACCES); unprivileged seccheck cannot take another uid and refuses the open itself: EACCES for
 * setgroups, as natively, EPERM for the others, which natively open and fail at the write. A
 * program that holds the capability (the maker of the namespace before its exec, as in
 * {@code unshare -r}) opens as before, with its own effective uid.
 *
 * <p>One more check is the namespace maker's, not the opener's: a {@code uid_map} that maps the
 * parent's uid 0, written by an opener in the namespace itself (the program writing its own, as
 * {@code unshare -r} as root does), is refused unless the namespace's maker had CAP_SETFCAP in
 * its effective set ({@code parent_could_setfcap}); from the parent, as seccheck's thread opens
 * it, the opener's own CAP_SETFCAP there is asked instead, which it keeps from the program's full
 * set in its namespace ({@link Identity#of(TaskFiles, int, Identity.Own, boolean, boolean)}). The
 * kernel shows that flag nowhere; seccheck reads the maker's capabilities at its held
 * {@code unshare} or {@code clone} ({@link dev.seccheck.sentry.defense.UserNamespaces}), and root
 * seccheck opens the map of a task's own namespace for it without CAP_SETFCAP where its maker
 * lacked it: exactly for the thread that unshared into it, else where any namespace of the run
 * was made without it (a namespace made with it then maps no host root either, where natively
 * it can). Unprivileged seccheck holds no CAP_SETFCAP to give.
 */
final class UserNamespaceFiles {
    private UserNamespaceFiles() {}

    static final long CAP_SYS_ADMIN = 1L << 21;
    static final long CAP_SYS_TIME = 1L << 25;
    static final long CAP_SETFCAP = 1L << 31;

    /** A file of a task's /proc directory whose write is checked against the opener's capability over a user namespace. */
    enum Kind {
        UID_MAP("uid_map", CAP_SYS_ADMIN, Errno.EPERM),
        GID_MAP("gid_map", CAP_SYS_ADMIN, Errno.EPERM),
        SETGROUPS("setgroups", CAP_SYS_ADMIN, Errno.EACCES),
        TIMENS_OFFSETS("timens_offsets", CAP_SYS_TIME, Errno.EPERM);

        final String name;
        /** The capability the kernel asks of the opener. */
        final long capability;
        /** What unprivileged seccheck answers the open with when only its thread would hold it. */
        final int refusal;

        Kind(String name, long capability, int refusal) {
            this.name = name;
            this.capability = capability;
            this.refusal = refusal;
        }

        /** The kind a file of this (last component) name is, or null. */
        static Kind of(String name) {
            if (name == null) {
                return null;
            }
            for (Kind k : values()) {
                if (k.name.equals(name)) {
                    return k;
                }
            }
            return null;
        }

        /**
         * Opens the user namespace the capability is asked over, given our fd {@code taskDir} of
         * the task's /proc directory: an fd, or -errno.
         */
        int namespace(PathCalls calls, int taskDir) {
            if (this != TIMENS_OFFSETS) {
                return calls.openat(taskDir, "ns/user", O_RDONLY | O_CLOEXEC);
            }
            int time = calls.openat(taskDir, "ns/time_for_children", O_RDONLY | O_CLOEXEC);
            if (time < 0) {
                return time;
            }
            try {
                return NamespaceFiles.owningUserNamespace(time);
            } finally {
                PathCalls.close(time);
            }
        }
    }

    /**
     * Who opens the file: {@code who}, or another identity; or, when {@code errno} is not 0,
     * nobody: the open is refused with it.
     */
    record Opener(Identity who, int errno) {}

    /**
     * Who opens {@code f}, which task {@code tid} opens with {@code flags} and which a walk found
     * (its name and our fd of its directory), as {@code who}: {@code who} for everything but a
     * {@link Kind} opened for writing by a task outside seccheck's user namespace whose capability
     * there only seccheck's thread would hold (see the class comment). Costs a string comparison
     * for any other open for writing.
     */
    static Opener opener(PathCalls calls, TaskFiles tasks, Identity.Own own, int tid, int flags,
            PathWalk.Located.Found f, Identity who) {
        int access = flags & O_ACCMODE;
        if ((flags & O_PATH) != 0 || (access != O_WRONLY && access != O_RDWR) || f.directory()) {
            return new Opener(who, 0);
        }
        String name = f.name();
        if (name == null) {
            // Reached through a magic link (/proc/self/fd/N of such a file): no directory to
            // read its namespace from; the name tells the kind, and the namespace is taken as unknown.
            String link = calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + f.fd());
            name = link == null ? null : link.substring(link.lastIndexOf('/') + 1);
        }
        Kind kind = Kind.of(name);
        if (kind == null || calls.fsType(f.fd()) != PathCalls.PROC_SUPER_MAGIC || tasks.inOwnUserNamespace(tid)) {
            return new Opener(who, 0);
        }
        int euid = own.privileged() ? who.uids()[1] : own.uids()[1];
        long caps = own.privileged() ? who.caps() : own.effective();
        IntSupplier namespace = () -> f.parent() < 0 ? -Errno.ENOENT
                : Identity.anchor(() -> kind.namespace(calls, f.parent()));
        int probe = namespace.getAsInt();
        long lacking;
        if (probe < 0) {
            lacking = kind.capability; // not known: taken as lacking
        } else {
            PathCalls.close(probe);
            lacking = NamespaceCapability.lacking(calls, tasks, tid, namespace, tasks.ownUserNamespace(),
                    Integer.toUnsignedLong(euid), caps, kind.capability);
        }
        if (lacking == 0) {
            return new Opener(kind == Kind.UID_MAP && own.privileged() && (who.caps() & CAP_SETFCAP) != 0
                    && !makerHadSetfcap(calls, tasks, tid, namespace) ? who.without(CAP_SETFCAP) : who, 0);
        }
        return own.privileged() ? new Opener(who.withEffectiveUid(SocketCapabilities.notOwner(euid)), 0)
                : new Opener(null, kind.refusal);
    }

    /**
     * Whether the kernel would let task {@code tid}, opening the uid_map of the user namespace
     * {@code namespace} opens, map the parent's uid 0 as far as the namespace's maker goes: the
     * kernel asks an opener in the namespace itself whether its maker had CAP_SETFCAP
     * ({@code verify_root_map}'s {@code parent_could_setfcap}), where seccheck's thread, which
     * opens from the parent, is asked for its own. True for a task outside the namespace, which
     * the kernel asks for its own CAP_SETFCAP over the parent, as the identity has it. A namespace
     * or task that cannot be read counts as made without it.
     */
    private static boolean makerHadSetfcap(PathCalls calls, TaskFiles tasks, int tid, IntSupplier namespace) {
        int ns = namespace.getAsInt();
        int user = -1;
        int parent = -1;
        try {
            user = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/user", O_RDONLY | O_CLOEXEC);
            long map = NamespaceCapability.inode(calls, ns);
            long task = NamespaceCapability.inode(calls, user);
            if (map < 0 || task < 0) {
                return false;
            }
            if (map != task) {
                return true;
            }
            parent = ns < 0 ? -1 : NamespaceFiles.parent(ns);
            long from = NamespaceCapability.inode(calls, parent);
            return from >= 0 && tasks.madeWithSetfcap(tid, from);
        } finally {
            for (int fd : new int[] {ns, user, parent}) {
                if (fd >= 0) {
                    PathCalls.close(fd);
                }
            }
        }
    }
}
