package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_EMPTY_PATH;
import static dev.seccheck.abi.Fcntl.AT_NO_AUTOMOUNT;
import static dev.seccheck.abi.Fcntl.AT_RECURSIVE;
import static dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;

/**
 * OpenTrees are open_tree(2) and open_tree_attr(2) (Linux 5.2 and 6.15) without OPEN_TREE_CLONE:
 * with no privilege each hands the program an O_PATH descriptor of the object its path reaches,
 * the very file open(O_PATH) would give, and any process handed it reads that file through its
 * {@code /proc/self/fd/N} link (one that could not enter the file's directory too: red-team
 * report R2 F3, where both gave a kept file's descriptor that open(O_PATH) was refused). While
 * opens are emulated the filter holds them ({@link #FILTER_FRAGMENT}) and {@link OpenEmulation}
 * decides each as the O_PATH open of the same path ({@link #openFlags}); with OPEN_TREE_CLONE,
 * which makes a detached copy of the mount and needs CAP_SYS_ADMIN, they fall through as before:
 * a file reached through such a mount has no name seccheck can give, and its opens are decided by
 * {@code on_missing}.
 */
final class OpenTrees {
    private OpenTrees() {}

    /** open_tree_attr(2), Linux 6.15: past {@link Sysno}'s table. */
    static final int OPEN_TREE_ATTR = 467;
    /** open_tree's flag that clones the mount (detached) instead of opening the object. */
    static final int OPEN_TREE_CLONE = 1;
    /** open_tree's flag for a close-on-exec descriptor: O_CLOEXEC's value. */
    static final int OPEN_TREE_CLOEXEC = O_CLOEXEC;
    /** The flags the kernel's vfs_open_tree knows; any other is EINVAL. */
    private static final int KNOWN = AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW
            | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;

    /** The filter's part holding both calls without OPEN_TREE_CLONE; everything else falls through. */
    static final Fragment FILTER_FRAGMENT = fragment();

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label flags = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.OPEN_TREE, flags, null);
        a.jump(Bpf.Cond.EQ, OPEN_TREE_ATTR, flags, out);
        a.bind(flags);
        // The flags are an unsigned int: their low word is all of them. The registers cannot
        // change before the kernel makes the call, so a clone held by no one stays one.
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.SET, OPEN_TREE_CLONE, out, null);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether syscall {@code nr} is open_tree or open_tree_attr. */
    static boolean is(int nr) {
        return nr == Sysno.OPEN_TREE || nr == OPEN_TREE_ATTR;
    }

    /** Whether the call {@code n} is one {@link #FILTER_FRAGMENT} holds. */
    static boolean held(SeccompNotification n) {
        return is(n.nr()) && ((int) n.arg2() & OPEN_TREE_CLONE) == 0;
    }

    /**
     * What the kernel refuses before it looks at the path, or 0: EINVAL for open_tree_attr's
     * attributes' size without attributes (checked first), an unknown flag, or AT_RECURSIVE,
     * which only a clone takes.
     */
    static int refused(SeccompNotification n) {
        if (n.nr() == OPEN_TREE_ATTR && n.arg3() == 0 && n.arg4() != 0) {
            return Errno.EINVAL;
        }
        int flags = (int) n.arg2();
        if ((flags & ~KNOWN) != 0 || (flags & (AT_RECURSIVE | OPEN_TREE_CLONE)) == AT_RECURSIVE) {
            return Errno.EINVAL;
        }
        return 0;
    }

    /** The open(2) flags of the O_PATH open that reaches what the call's {@code flags} reach. */
    static int openFlags(long flags) {
        int f = (int) flags;
        return O_PATH | ((f & AT_SYMLINK_NOFOLLOW) != 0 ? O_NOFOLLOW : 0)
                | ((f & OPEN_TREE_CLOEXEC) != 0 ? O_CLOEXEC : 0);
    }

    /** Whether an empty path names the dirfd's own file (AT_EMPTY_PATH), as AT_EMPTY_PATH has it. */
    static boolean emptyPathAllowed(long flags) {
        return ((int) flags & AT_EMPTY_PATH) != 0;
    }
}
