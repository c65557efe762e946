package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * NamespaceFiles asks an open namespace file (a {@code /proc/TID/ns/*} file, an nsfs inode) how
 * its namespace sits among user namespaces (the nsfs ioctls, Linux 4.9 and 4.11): which user
 * namespace owns it, a user namespace's parent and the user that made it. These decide what a
 * thread's capabilities reach: a capability counts over a namespace owned by the thread's own user
 * namespace or one below it, and whoever made a user namespace holds every capability over it.
 * A pid namespace's file also translates its pids into the caller's (Linux 6.11).
 */
public final class NamespaceFiles {
    private NamespaceFiles() {}

    /** _IO(NSIO, 1): an fd of the user namespace owning the namespace. */
    private static final long NS_GET_USERNS = 0xb701L;
    /** _IO(NSIO, 2): an fd of the parent of a user (or pid) namespace. */
    private static final long NS_GET_PARENT = 0xb702L;
    /** _IO(NSIO, 4): the uid of a user namespace's owner, as the caller's namespace maps it. */
    private static final long NS_GET_OWNER_UID = 0xb704L;
    /** _IOR(NSIO, 6, int): a pid of a pid namespace, as the caller's pid namespace numbers it (Linux 6.11). */
    private static final long NS_GET_PID_FROM_PIDNS = 0x8004b706L;
    /** _IOR(NSIO, 5, __u64): the id of a mount namespace, the one statmount(2) takes (Linux 6.9). */
    private static final long NS_GET_MNTNS_ID = 0x8008b705L;

    /**
     * Opens the user namespace owning the namespace behind {@code nsfd}: an fd, or -errno (EPERM
     * when it lies outside the caller's user namespace).
     */
    public static int owningUserNamespace(int nsfd) {
        return (int) Direct.call(Sysno.IOCTL, nsfd, NS_GET_USERNS, 0, 0);
    }

    /**
     * Opens the parent of the user namespace behind {@code userNsFd}: an fd, or -errno (EPERM at
     * the initial namespace or above the caller's).
     */
    public static int parent(int userNsFd) {
        return (int) Direct.call(Sysno.IOCTL, userNsFd, NS_GET_PARENT, 0, 0);
    }

    /**
     * The task that {@code pid} numbers in the pid namespace behind {@code pidNsFd}, by the
     * caller's pid namespace's numbers; or -errno: ESRCH where there is no such task or the caller
     * does not see it, ENOTTY before Linux 6.11.
     */
    public static long pidFromNamespace(int pidNsFd, int pid) {
        return Direct.call(Sysno.IOCTL, pidNsFd, NS_GET_PID_FROM_PIDNS, pid, 0);
    }

    /**
     * The uid of the user that made the user namespace behind {@code userNsFd}, as the caller's
     * namespace maps it (the overflow uid, 65534, when it maps no such user), or -errno.
     */
    public static long ownerUid(int userNsFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uid = arena.allocate(ValueLayout.JAVA_INT);
            long r = Direct.call(Sysno.IOCTL, userNsFd, NS_GET_OWNER_UID, uid.address(), 0);
            return r < 0 ? r : Integer.toUnsignedLong(uid.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /**
     * The id of the mount namespace behind {@code mntNsFd} (a {@code /proc/TID/ns/mnt} file), as
     * statmount(2) and listmount(2) name namespaces: never reused while the machine runs. -errno
     * when it cannot be told: ENOTTY before Linux 6.9, EINVAL for a file of another namespace type.
     */
    public static long mountNamespaceId(int mntNsFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_LONG);
            long r = Direct.call(Sysno.IOCTL, mntNsFd, NS_GET_MNTNS_ID, id.address(), 0);
            return r < 0 ? r : id.get(ValueLayout.JAVA_LONG, 0);
        }
    }
}
