package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * FuseConnections tells a FUSE device descriptor by what it is, and aborts one FUSE connection,
 * asking no filesystem for either: a supervised program may serve one and leave it unanswered.
 *
 * <p>A FUSE device is the character device 10:229, whatever the name it was opened through (a
 * node the program made with mknod is one too). A connection is aborted through fusectl, the
 * kernel's control filesystem, which names each connection by its superblock's device number:
 * writing to its {@code abort} file ends every request in flight with an error, as the end of its
 * server would, and kills nothing. fusectl is mounted here detached ({@code fsopen},
 * {@code fsmount}: attached nowhere, gone with its descriptor), never looked up by a path: a
 * program could have mounted a filesystem of its own over {@code /sys/fs/fuse/connections} that
 * reports fusectl's magic and leaves the open of {@code abort} waiting. That needs CAP_SYS_ADMIN
 * in the initial user namespace (root); elsewhere {@link #abort} fails with EPERM.
 */
public final class FuseConnections {
    private FuseConnections() {}

    /** The device number of /dev/fuse (10:229), encoded as stat's st_rdev is. */
    public static final long DEVICE = PathCalls.encode(10, 229);

    private static final int FSOPEN_CLOEXEC = 0x1;
    private static final int FSCONFIG_CMD_CREATE = 6;
    private static final int FSMOUNT_CLOEXEC = 0x1;

    /**
     * Whether the file {@code /proc/PID/fd/N} (given as {@code fdLink}) stands for is a FUSE
     * device, by its type and device number, not its name. The magic link is opened O_PATH (the
     * device is not opened) and its attributes read without asking its filesystem: a file of a
     * FUSE filesystem that does not answer cannot make this wait.
     */
    public static boolean isFuseDevice(PathCalls calls, String fdLink) {
        int fd = calls.openat(Fcntl.AT_FDCWD, fdLink, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        try {
            PathCalls.Statx st = calls.statNoSync(fd);
            return st != null && st.stat().isCharDevice() && st.stat().rdev() == DEVICE;
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * The name fusectl gives the connection of the FUSE superblock whose device is
     * {@code major:minor} (as /proc/PID/maps and mountinfo show it): the kernel's own encoding,
     * {@code MKDEV}.
     */
    public static long connection(long major, long minor) {
        return (major << 20) | minor;
    }

    /**
     * Aborts the FUSE connection of the superblock {@code major:minor}: 0, or -errno (EPERM
     * without CAP_SYS_ADMIN, ENOSYS before Linux 5.2, ENOENT when there is no such connection).
     */
    public static long abort(long major, long minor) {
        try (Arena arena = Arena.ofConfined()) {
            long fs = Direct.call(Sysno.FSOPEN, string(arena, "fusectl"), FSOPEN_CLOEXEC, 0, 0);
            if (fs < 0) {
                return fs;
            }
            long mnt;
            try {
                long r = Direct.call(Sysno.FSCONFIG, fs, FSCONFIG_CMD_CREATE, 0, 0, 0, 0);
                if (r < 0) {
                    return r;
                }
                mnt = Direct.call(Sysno.FSMOUNT, fs, FSMOUNT_CLOEXEC, 0, 0);
                if (mnt < 0) {
                    return mnt;
                }
            } finally {
                PathCalls.close((int) fs);
            }
            try {
                long fd = Direct.call(Sysno.OPENAT, mnt,
                        string(arena, connection(major, minor) + "/abort"), Fcntl.O_WRONLY | Fcntl.O_CLOEXEC, 0);
                if (fd < 0) {
                    return fd;
                }
                try {
                    long n = Direct.call(Sysno.WRITE, fd, string(arena, "1"), 1, 0);
                    return n < 0 ? n : n == 1 ? 0 : -Errno.EIO;
                } finally {
                    PathCalls.close((int) fd);
                }
            } finally {
                PathCalls.close((int) mnt);
            }
        }
    }

    private static long string(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8).address();
    }
}
