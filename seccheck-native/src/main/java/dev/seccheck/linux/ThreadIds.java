package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * ThreadIds reads one thread's user and group ids (real, effective, saved and filesystem) as they
 * are now, through a pidfd of that thread ({@code PIDFD_GET_INFO}, Linux 6.13; thread pidfds,
 * 6.9): a tenth of the cost of having the kernel format {@code /proc/TID/status} for them, and
 * mapped into the reader's user namespace as that file's lines are. It gives no supplementary
 * groups and no umask. One per thread: the buffer is its own.
 */
public final class ThreadIds {

    /** pidfd_open's PIDFD_THREAD (O_EXCL): a pidfd of that thread, not of its process. */
    private static final int PIDFD_THREAD = 0200;
    /** _IOWR(PIDFS_IOCTL_MAGIC, 11, struct pidfd_info) for the 64-byte first version. */
    private static final long PIDFD_GET_INFO = 0xC040FF0BL;
    /** PIDFD_INFO_CREDS: fill in the ids. */
    private static final long INFO_CREDS = 1L << 1;

    /** _IO(PIDFS_IOCTL_MAGIC, 9): an fd of the thread's user namespace (Linux 6.11). */
    private static final long PIDFD_GET_USER_NAMESPACE = 0xFF09L;

    private final MemorySegment info = Arena.ofAuto().allocate(Layouts.PIDFD_INFO);

    /**
     * Opens the user namespace of the thread behind {@code pidfd}: an fd of it (an nsfs file, whose
     * inode names the namespace), or -errno (ENOTTY or EINVAL before Linux 6.11, ESRCH when gone).
     */
    public static int openUserNamespace(int pidfd) {
        return (int) Direct.call(Sysno.IOCTL, pidfd, PIDFD_GET_USER_NAMESPACE, 0, 0);
    }

    /** Opens a pidfd of thread {@code tid}: the fd, or -errno (EINVAL before Linux 6.9, ESRCH when gone). */
    public static int openThread(int tid) {
        return (int) Direct.call(Sysno.PIDFD_OPEN, tid, PIDFD_THREAD, 0, 0);
    }

    /**
     * seccheck's copy (pidfd_getfd) of fd {@code fd} of thread {@code tid}, or -errno: from the
     * thread's own table, through a thread pidfd, which is not its process's when it made one of
     * its own ({@code unshare(CLONE_FILES)}); before Linux 6.9, from process {@code tgid}'s.
     */
    public static int copyFd(int tid, int tgid, int fd) {
        int pidfd = openThread(tid);
        if (pidfd == -Errno.EINVAL) {
            pidfd = (int) Direct.call(Sysno.PIDFD_OPEN, tgid, 0, 0, 0);
        }
        if (pidfd < 0) {
            return pidfd;
        }
        try {
            return (int) Direct.call(Sysno.PIDFD_GETFD, pidfd, fd, 0, 0);
        } finally {
            PathCalls.close(pidfd);
        }
    }

    /**
     * Whether {@code r}, from {@link #openThread} or {@link #read}, says this kernel cannot give a
     * thread's ids this way at all: EINVAL (no thread pidfds before Linux 6.9, or a
     * {@code PIDFD_GET_INFO} without credentials) or ENOTTY (no {@code PIDFD_GET_INFO} before
     * 6.13). Any other failure (ESRCH, EMFILE...) is of this call only.
     */
    public static boolean unsupported(int r) {
        return r == -Errno.EINVAL || r == -Errno.ENOTTY;
    }

    /**
     * Reads the ids of the thread behind {@code pidfd}: 0, then {@link #uids}, {@link #gids},
     * {@link #fsuid} and {@link #fsgid}, or -errno (ESRCH: it has exited; ENOTTY or EINVAL: the
     * kernel is older than 6.13).
     */
    public int read(int pidfd) {
        info.fill((byte) 0);
        Layouts.PIDFD_INFO_MASK.set(info, INFO_CREDS);
        long r = Direct.call(Sysno.IOCTL, pidfd, PIDFD_GET_INFO, info.address(), 0);
        if (r < 0) {
            return (int) r;
        }
        return (Layouts.PIDFD_INFO_MASK.get(info) & INFO_CREDS) != 0 ? 0 : -Errno.EINVAL;
    }

    /** The fsuid of the last {@link #read}. */
    public int fsuid() {
        return Layouts.PIDFD_INFO_FSUID.get(info);
    }

    /** The fsgid of the last {@link #read}. */
    public int fsgid() {
        return Layouts.PIDFD_INFO_FSGID.get(info);
    }

    /** The user ids of the last {@link #read}: real, effective, saved, filesystem (the order of status's Uid line). */
    public long[] uids() {
        return new long[] {id(Layouts.PIDFD_INFO_RUID), id(Layouts.PIDFD_INFO_EUID), id(Layouts.PIDFD_INFO_SUID),
            id(Layouts.PIDFD_INFO_FSUID)};
    }

    /** The group ids of the last {@link #read}, in the order of {@link #uids}. */
    public long[] gids() {
        return new long[] {id(Layouts.PIDFD_INFO_RGID), id(Layouts.PIDFD_INFO_EGID), id(Layouts.PIDFD_INFO_SGID),
            id(Layouts.PIDFD_INFO_FSGID)};
    }

    /** An id of the buffer, unsigned as the kernel's (an unmapped id is 65534, never negative). */
    private long id(StructField.OfInt field) {
        return Integer.toUnsignedLong(field.get(info));
    }
}
