package dev.seccheck.linux;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PathCalls opens and inspects files for an emulated open, truncate, link or rename: openat,
 * openat2, readlinkat, fstat, stat, fstatat, statx, fstatfs, statmount, faccessat, faccessat2, ftruncate,
 * linkat, renameat2, getdents64 and close on the calling thread, each returning the kernel's result or {@code -errno}
 * (see {@link Direct}) so the program gets the same answer it would have got itself. One instance
 * per thread: it reuses its buffers.
 */
public final class PathCalls {

    /** The magic number fstatfs reports for procfs. */
    public static final long PROC_SUPER_MAGIC = 0x9fa0;

    /**
     * What fstat says about a file: where it lives, what it is, who owns it, its links, size,
     * its change and modification times (nanoseconds since the epoch), and for a device its
     * number ({@code rdev}, encoded as stat's st_rdev is; 0 for anything else).
     */
    public record Stat(long dev, long ino, int mode, int uid, int gid, long ctimeNs, long nlink, long size,
            long mtimeNs, long rdev) {
        /** Returns whether the file is a character device. */
        public boolean isCharDevice() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFCHR;
        }

        /** Returns whether the file is a block device. */
        public boolean isBlockDevice() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFBLK;
        }

        /** Returns whether the file is a symbolic link. */
        public boolean isSymlink() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFLNK;
        }

        /** Returns whether the file is a regular file. */
        public boolean isRegular() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFREG;
        }

        /** Returns whether the file is a FIFO (named pipe). */
        public boolean isFifo() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFIFO;
        }

        /** Returns whether the file is a directory. */
        public boolean isDirectory() {
            return (mode & FileTypes.S_IFMT) == FileTypes.S_IFDIR;
        }
    }

    /**
     * What statx says of a file without asking its filesystem ({@link #statNoSync}): its stat,
     * and the unique id of the mount it is reached through (Linux 6.8+), or -1 when the kernel has
     * no such id.
     */
    public record Statx(Stat stat, long uniqueMountId) {}

    /**
     * A name's stat and the id of the mount the name was reached through, as /proc/PID/mountinfo
     * numbers mounts, from one lookup ({@link #lstatOnMountAt}): a mount on the name gives the
     * mounted file's stat and that mount's id.
     */
    public record StatOnMount(Stat stat, long mountId) {}

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_MNT_ID = 0x1000;
    private static final int STATX_BTIME = 0x800;
    private static final int STATX_MNT_ID_UNIQUE = 0x4000;
    private static final int MFD_CLOEXEC = 0x1;
    /** statmount(2), Linux 6.8+. */
    private static final int SYS_STATMOUNT = 457;
    private static final long STATMOUNT_SB_BASIC = 0x1;
    private static final long STATMOUNT_MNT_BASIC = 0x2;
    /** The mount attribute, and the statfs flag, of a mount whose symlinks are not followed. */
    private static final long MOUNT_ATTR_NOSYMFOLLOW = 0x00200000;
    private static final long ST_NOSYMFOLLOW = 0x2000;
    /** The statfs flag of a read-only mount or filesystem. */
    private static final long ST_RDONLY = 0x1;
    private static final int MNT_ID_REQ_SIZE_VER0 = 24;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment path = arena.allocate(4097);
    /** Where getdents64 writes a directory's records; made on first use. */
    private MemorySegment dirents;
    /** The second name of a call that takes two (linkat, renameat2). */
    private final MemorySegment second = arena.allocate(4097);
    private final MemorySegment link = arena.allocate(4097);
    private final MemorySegment stat = arena.allocate(Layouts.STAT);
    private final MemorySegment statfs = arena.allocate(Layouts.STATFS);
    private final MemorySegment how = arena.allocate(Layouts.OPEN_HOW);
    private final MemorySegment statx = arena.allocate(Layouts.STATX);
    private final MemorySegment mntReq = arena.allocate(Layouts.MNT_ID_REQ);
    private final MemorySegment statmount = arena.allocate(Layouts.STATMOUNT);
    private final MemorySegment rlimit = arena.allocate(Layouts.RLIMIT);
    /** What {@link #pread} reads into before the copy to the caller's array, grown to the largest read. */
    private MemorySegment readBuf = arena.allocate(4096);

    /** Creates the calls of one thread. */
    public PathCalls() {}

    /** openat(dirfd, name, flags, mode): the new fd or -errno. */
    public int openat(int dirfd, String name, int flags, int mode) {
        long r = retryOnEintr(() -> Direct.call(Sysno.OPENAT, dirfd, cString(name), flags, mode));
        return (int) r;
    }

    /** openat(dirfd, name, flags) for flags that create nothing: the new fd or -errno. */
    public int openat(int dirfd, String name, int flags) {
        return openat(dirfd, name, flags, 0);
    }

    /** openat2(dirfd, name, {flags, mode, resolve}): the new fd or -errno. */
    public int openat2(int dirfd, String name, long flags, long mode, long resolve) {
        Layouts.HOW_FLAGS.set(how, flags);
        Layouts.HOW_MODE.set(how, mode);
        Layouts.HOW_RESOLVE.set(how, resolve);
        long r = retryOnEintr(() -> Direct.call(Sysno.OPENAT2, dirfd, cString(name), how.address(), how.byteSize()));
        return (int) r;
    }

    /** readlinkat(dirfd, name): the link's text, or null when it is not a readable link. */
    public String readlinkat(int dirfd, String name) {
        long n = Direct.call(Sysno.READLINKAT, dirfd, cString(name), link.address(), 4096);
        if (n < 0) {
            return null;
        }
        return FileNames.decode(link.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * readlinkat(dirfd, name) for its outcome alone: the link's length, or -errno. A /proc fd link
     * whose file's path is longer than PATH_MAX fails with ENAMETOOLONG, which {@link #readlinkat}
     * does not tell from a link that is not there.
     */
    public long readlinkatResult(int dirfd, String name) {
        return Direct.call(Sysno.READLINKAT, dirfd, cString(name), link.address(), 4096);
    }

    /**
     * pread(fd, into, into.length, offset): the count read into {@code into}, or -errno. A /proc
     * file read at offset 0 is written anew by the kernel, so re-reading an fd kept open gives the
     * current content without the open and close of each read.
     */
    public int pread(int fd, byte[] into, long offset) {
        if (readBuf.byteSize() < into.length) {
            readBuf = arena.allocate(into.length);
        }
        long n = retryOnEintr(() -> Direct.call(Sysno.PREAD64, fd, readBuf.address(), into.length, offset));
        if (n > 0) {
            MemorySegment.copy(readBuf, ValueLayout.JAVA_BYTE, 0, into, 0, (int) n);
        }
        return (int) n;
    }

    /** fstat(fd), or null with the errno lost when it fails (the fd is ours and open: it does not). */
    public Stat fstat(int fd) {
        if (Direct.call(Sysno.FSTAT, fd, stat.address(), 0, 0) < 0) {
            return null;
        }
        return statRead();
    }

    /** stat(name), following symbolic links; null when it fails (no such file, no permission). */
    public Stat stat(String name) {
        if (Direct.call(Sysno.NEWFSTATAT, dev.seccheck.abi.Fcntl.AT_FDCWD, cString(name), stat.address(), 0) < 0) {
            return null;
        }
        return statRead();
    }

    /** fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW): a symlink itself; null when it fails. */
    public Stat lstatAt(int dirfd, String name) {
        if (Direct.call(Sysno.NEWFSTATAT, dirfd, cString(name), stat.address(),
                dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW) < 0) {
            return null;
        }
        return statRead();
    }

    /** linkat(olddirfd, oldname, newdirfd, newname, flags): 0 or -errno. */
    public int linkat(int olddirfd, String oldname, int newdirfd, String newname, int flags) {
        long r = retryOnEintr(() -> Direct.call(Sysno.LINKAT, olddirfd, cString(oldname), newdirfd,
                cString(newname, second), flags, 0));
        return (int) r;
    }

    /** renameat2(olddirfd, oldname, newdirfd, newname, flags): 0 or -errno. */
    public int renameat2(int olddirfd, String oldname, int newdirfd, String newname, int flags) {
        long r = retryOnEintr(() -> Direct.call(Sysno.RENAMEAT2, olddirfd, cString(oldname), newdirfd,
                cString(newname, second), flags, 0));
        return (int) r;
    }

    /** unlinkat(dirfd, name, flags), AT_REMOVEDIR for rmdir's work: 0 or -errno. */
    public int unlinkat(int dirfd, String name, int flags) {
        return (int) retryOnEintr(() -> Direct.call(Sysno.UNLINKAT, dirfd, cString(name), flags, 0));
    }

    /** mkdirat(dirfd, name, mode), the calling thread's umask applied: 0 or -errno. */
    public int mkdirat(int dirfd, String name, int mode) {
        return (int) retryOnEintr(() -> Direct.call(Sysno.MKDIRAT, dirfd, cString(name), mode, 0));
    }

    /** mknodat(dirfd, name, mode, dev), the calling thread's umask applied: 0 or -errno. */
    public int mknodat(int dirfd, String name, int mode, long dev) {
        return (int) retryOnEintr(() -> Direct.call(Sysno.MKNODAT, dirfd, cString(name), mode, dev));
    }

    /** symlinkat(target, dirfd, name): 0 or -errno. */
    public int symlinkat(String target, int dirfd, String name) {
        return (int) retryOnEintr(() -> Direct.call(Sysno.SYMLINKAT, cString(target, second), dirfd, cString(name), 0));
    }

    /** fchmodat(AT_FDCWD, name, mode): 0 or -errno. */
    public int chmod(String name, int mode) {
        return (int) Direct.call(Sysno.FCHMODAT, dev.seccheck.abi.Fcntl.AT_FDCWD, cString(name), mode, 0);
    }

    /** fchownat(dirfd, name, uid, gid, flags): 0 or -errno. */
    public int fchownat(int dirfd, String name, int uid, int gid, int flags) {
        return (int) Direct.call(Sysno.FCHOWNAT, dirfd, cString(name), uid, gid, flags, 0);
    }

    /**
     * utimensat(dirfd, name, times, flags): {@code times} the access and modification times as
     * four longs (seconds, nanoseconds, seconds, nanoseconds), or null for now; 0 or -errno.
     */
    public int utimensat(int dirfd, String name, long[] times, int flags) {
        try (Arena call = Arena.ofConfined()) {
            return (int) Direct.call(Sysno.UTIMENSAT, dirfd, cString(name), timespecs(call, times), flags);
        }
    }

    /** utimensat's two timespecs of {@code times} (four longs) in {@code call}, or 0 (now) for null. */
    static long timespecs(Arena call, long[] times) {
        if (times == null) {
            return 0;
        }
        MemorySegment t = call.allocate(ValueLayout.JAVA_LONG, 4);
        MemorySegment.copy(times, 0, t, ValueLayout.JAVA_LONG, 0, 4);
        return t.address();
    }

    /** setxattr(name, attribute, value, flags), or lsetxattr when {@code itself}: 0 or -errno. */
    public int setxattr(String name, boolean itself, String attribute, byte[] value, int flags) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            return (int) Direct.call(itself ? Sysno.LSETXATTR : Sysno.SETXATTR, cString(name),
                    cString(attribute, second), v.address(), value.length, flags, 0);
        }
    }

    /** removexattr(name, attribute), or lremovexattr when {@code itself}: 0 or -errno. */
    public int removexattr(String name, boolean itself, String attribute) {
        return (int) Direct.call(itself ? Sysno.LREMOVEXATTR : Sysno.REMOVEXATTR, cString(name),
                cString(attribute, second), 0, 0);
    }

    /**
     * The names in the directory open as {@code dirfd} (O_RDONLY|O_DIRECTORY), "." and ".." left
     * out, read with getdents64 from where the fd stands; null with the errno lost when a read fails.
     */
    public List<String> names(int dirfd) {
        if (dirents == null) {
            dirents = arena.allocate(32768, 8);
        }
        List<String> out = new ArrayList<>();
        while (true) {
            long n = Direct.call(Sysno.GETDENTS64, dirfd, dirents.address(), dirents.byteSize(), 0);
            if (n < 0) {
                return null;
            }
            if (n == 0) {
                return out;
            }
            for (long at = 0; at < n; at += Layouts.D_RECLEN.get(dirents, at)) {
                String name = direntName(at + Layouts.D_NAME);
                if (!name.equals(".") && !name.equals("..")) {
                    out.add(name);
                }
            }
        }
    }

    /** The NUL-terminated name at {@code at} in {@link #dirents}, every byte kept ({@link FileNames}). */
    private String direntName(long at) {
        long end = at;
        while (dirents.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        return FileNames.decode(dirents.asSlice(at, end - at).toArray(ValueLayout.JAVA_BYTE));
    }

    private Stat statRead() {
        return new Stat(Layouts.ST_DEV.get(stat), Layouts.ST_INO.get(stat),
                Layouts.ST_MODE.get(stat), Layouts.ST_UID.get(stat), Layouts.ST_GID.get(stat),
                nanos(Layouts.ST_CTIME, Layouts.ST_CTIME_NSEC), Layouts.ST_NLINK.get(stat),
                Layouts.ST_SIZE.get(stat), nanos(Layouts.ST_MTIME, Layouts.ST_MTIME_NSEC),
                Layouts.ST_RDEV.get(stat));
    }

    /** A time of {@link #stat} as nanoseconds since the epoch, from its seconds and nanoseconds fields. */
    private long nanos(StructField.OfLong seconds, StructField.OfLong nanoseconds) {
        return seconds.get(stat) * 1_000_000_000L + nanoseconds.get(stat);
    }

    /** A device number in the encoding of stat's st_dev and st_rdev (the kernel's new_encode_dev). */
    public static long encode(long major, long minor) {
        return (minor & 0xff) | (major << 8) | ((minor & ~0xffL) << 12);
    }

    /** The major number of a device number in {@link #encode}'s encoding. */
    public static long major(long dev) {
        return (dev & 0xfff00) >> 8;
    }

    /** The minor number of a device number in {@link #encode}'s encoding. */
    public static long minor(long dev) {
        return (dev & 0xff) | ((dev >> 12) & 0xfff00);
    }

    /**
     * Returns the id of the mount an open file (an O_PATH one too) is reached through, as
     * /proc/PID/mountinfo numbers mounts, or -errno: statx(fd, "", AT_EMPTY_PATH|AT_STATX_DONT_SYNC,
     * STATX_MNT_ID). The mount id comes from the kernel's own records: the file's filesystem is not
     * asked (a FUSE or NFS server is not), whatever it is.
     */
    public long mountId(int fd) {
        Layouts.STX_MASK.set(statx, 0);
        long r = Direct.call(Sysno.STATX, fd, cString(""), AT_EMPTY_PATH | dev.seccheck.abi.Fcntl.AT_STATX_DONT_SYNC,
                STATX_MNT_ID, statx.address(), 0);
        if (r < 0) {
            return r;
        }
        // The kernel clears the mask bit of a field it could not fill.
        if ((Layouts.STX_MASK.get(statx) & STATX_MNT_ID) == 0) {
            return -dev.seccheck.abi.Errno.EINVAL;
        }
        return Layouts.STX_MNT_ID.get(statx);
    }

    /**
     * The id of the mount the name {@code name} in directory {@code dirfd} is reached through, or
     * -errno: its unique id ({@link Statx#uniqueMountId}, Linux 6.8+) when {@code unique}, else
     * mountinfo's. statx(dirfd, name, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_STATX_DONT_SYNC):
     * the lookup crosses a mount on the name, as every lookup does, but follows no last symlink
     * and triggers no automount, and the file's filesystem is not asked for its attributes. A
     * mount on the name makes the id differ from the directory's; -EINVAL when the kernel has no
     * such id.
     */
    public long mountIdAt(int dirfd, String name, boolean unique) {
        int want = unique ? STATX_MNT_ID_UNIQUE : STATX_MNT_ID;
        Layouts.STX_MASK.set(statx, 0);
        long r = Direct.call(Sysno.STATX, dirfd, cString(name), dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW
                | dev.seccheck.abi.Fcntl.AT_NO_AUTOMOUNT | dev.seccheck.abi.Fcntl.AT_STATX_DONT_SYNC, want,
                statx.address(), 0);
        if (r < 0) {
            return r;
        }
        if ((Layouts.STX_MASK.get(statx) & want) == 0) {
            return -dev.seccheck.abi.Errno.EINVAL;
        }
        return Layouts.STX_MNT_ID.get(statx);
    }

    /**
     * faccessat2(dirfd, name, mode, flags): 0 or -errno. With AT_EACCESS the calling thread's
     * own credentials are checked (its filesystem ids and effective capabilities: a program's,
     * when it holds them), as the kernel checks a call the thread makes; with AT_EMPTY_PATH and
     * an empty name, the file of {@code dirfd} itself (an O_PATH one too).
     */
    public int accessAt(int dirfd, String name, int mode, int flags) {
        return (int) Direct.call(Sysno.FACCESSAT2, dirfd, cString(name), mode, flags);
    }

    /**
     * Whether the file of {@code fd} is on a read-only mount or filesystem (fstatfs's ST_RDONLY),
     * where the kernel refuses a change of names with EROFS before it looks the names up; false
     * when fstatfs fails.
     */
    public boolean readOnly(int fd) {
        if (Direct.call(Sysno.FSTATFS, fd, statfs.address(), 0, 0) < 0) {
            return false;
        }
        return (Layouts.F_FLAGS.get(statfs) & ST_RDONLY) != 0;
    }

    /**
     * The id of the kernel's internal mount that every memfd (memfd_create without MFD_HUGETLB) is
     * on, as {@link #mountId} numbers mounts, or -errno: told by making one. No path reaches that
     * mount, and no mount a program makes can have its id while it exists (it always does).
     */
    public long memfdMountId() {
        long fd = Direct.call(Sysno.MEMFD_CREATE, cString("seccheck-probe"), MFD_CLOEXEC, 0, 0);
        if (fd < 0) {
            return fd;
        }
        try {
            return mountId((int) fd);
        } finally {
            close((int) fd);
        }
    }

    /**
     * The birth time of the file {@code fd} is open on (an O_PATH one too), in nanoseconds since
     * the epoch, or -1 when its filesystem keeps none (procfs, pipes, an ext4 of small inodes) or
     * the call fails: statx(fd, "", AT_EMPTY_PATH|AT_STATX_DONT_SYNC, STATX_BTIME). A file's inode
     * number may be given to a new file once it is freed (ext4 does at once); its birth time tells
     * the two apart.
     */
    public long birthNs(int fd) {
        Layouts.STX_MASK.set(statx, 0);
        long r = Direct.call(Sysno.STATX, fd, cString(""), AT_EMPTY_PATH | dev.seccheck.abi.Fcntl.AT_STATX_DONT_SYNC,
                STATX_BTIME, statx.address(), 0);
        if (r < 0 || (Layouts.STX_MASK.get(statx) & STATX_BTIME) == 0) {
            return -1;
        }
        return Layouts.STX_BTIME_SEC.get(statx) * 1_000_000_000L + Layouts.STX_BTIME_NSEC.get(statx);
    }

    /**
     * statx(fd, "", AT_EMPTY_PATH|AT_STATX_DONT_SYNC) of an open file (an O_PATH one too), or null
     * when it fails: the stat fstat gives, taken from what the kernel holds of the file without
     * asking its filesystem (a FUSE or NFS server is not asked, and cannot make the call wait;
     * their attributes may then be the last ones fetched), with the unique id of its mount.
     */
    public Statx statNoSync(int fd) {
        Layouts.STX_MASK.set(statx, 0);
        long r = Direct.call(Sysno.STATX, fd, cString(""), AT_EMPTY_PATH | dev.seccheck.abi.Fcntl.AT_STATX_DONT_SYNC,
                STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE, statx.address(), 0);
        if (r < 0) {
            return null;
        }
        int mask = Layouts.STX_MASK.get(statx);
        return new Statx(statxRead(), (mask & STATX_MNT_ID_UNIQUE) != 0 ? Layouts.STX_MNT_ID.get(statx) : -1);
    }

    /**
     * statx(dirfd, name, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT) of a name in a directory: what
     * {@link #lstatAt} gives, with the id of the mount the name was reached through, from the same
     * lookup (a mount made on the name in between cannot give one file's stat and another's
     * mount); null when it fails, or the kernel gives no mount id.
     */
    public StatOnMount lstatOnMountAt(int dirfd, String name) {
        Layouts.STX_MASK.set(statx, 0);
        long r = Direct.call(Sysno.STATX, dirfd, cString(name), dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW
                | dev.seccheck.abi.Fcntl.AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_MNT_ID, statx.address(), 0);
        if (r < 0 || (Layouts.STX_MASK.get(statx) & STATX_MNT_ID) == 0) {
            return null;
        }
        return new StatOnMount(statxRead(), Layouts.STX_MNT_ID.get(statx));
    }

    /** The stat fstat would give, from the statx buffer the kernel just filled. */
    private Stat statxRead() {
        long major = Integer.toUnsignedLong(Layouts.STX_DEV_MAJOR.get(statx));
        long minor = Integer.toUnsignedLong(Layouts.STX_DEV_MINOR.get(statx));
        // The encoding of stat's st_dev (the kernel's new_encode_dev), so that the two compare.
        long dev = encode(major, minor);
        return new Stat(dev, Layouts.STX_INO.get(statx), Short.toUnsignedInt(Layouts.STX_MODE.get(statx)),
                Layouts.STX_UID.get(statx), Layouts.STX_GID.get(statx),
                Layouts.STX_CTIME_SEC.get(statx) * 1_000_000_000L + Layouts.STX_CTIME_NSEC.get(statx),
                Integer.toUnsignedLong(Layouts.STX_NLINK.get(statx)), Layouts.STX_SIZE.get(statx),
                Layouts.STX_MTIME_SEC.get(statx) * 1_000_000_000L + Layouts.STX_MTIME_NSEC.get(statx),
                encode(Integer.toUnsignedLong(Layouts.STX_RDEV_MAJOR.get(statx)),
                        Integer.toUnsignedLong(Layouts.STX_RDEV_MINOR.get(statx))));
    }

    /**
     * The magic number of the filesystem of the mount {@code uniqueMountId} (what fstatfs gives
     * as f_type), from statmount(2): the kernel's record of the mount, no request to the
     * filesystem. -errno when it cannot tell: ENOSYS before Linux 6.8, ENOENT for a mount of
     * another mount namespace, EPERM for one seccheck could not reach.
     */
    public long superMagic(long uniqueMountId) {
        Layouts.REQ_SIZE.set(mntReq, MNT_ID_REQ_SIZE_VER0);
        Layouts.REQ_MNT_ID.set(mntReq, uniqueMountId);
        Layouts.REQ_PARAM.set(mntReq, STATMOUNT_SB_BASIC);
        Layouts.SM_MASK.set(statmount, 0L);
        long r = Direct.call(SYS_STATMOUNT, mntReq.address(), statmount.address(), statmount.byteSize(), 0);
        if (r < 0) {
            return r;
        }
        if ((Layouts.SM_MASK.get(statmount) & STATMOUNT_SB_BASIC) == 0) {
            return -dev.seccheck.abi.Errno.EINVAL;
        }
        return Layouts.SM_SB_MAGIC.get(statmount);
    }

    /**
     * Whether symlinks on the mount of our fd {@code fd} may be followed: false when it is
     * mounted {@code nosymfollow}. Told by statmount(2) from {@code uniqueMountId} (statx's), which
     * asks no filesystem; by fstatfs(2)'s flags when statmount cannot tell (before Linux 6.8, a
     * mount of another mount namespace). A mount neither can tell of counts as nosymfollow.
     */
    public boolean followsSymlinks(int fd, long uniqueMountId) {
        if (uniqueMountId >= 0) {
            Layouts.REQ_SIZE.set(mntReq, MNT_ID_REQ_SIZE_VER0);
            Layouts.REQ_MNT_ID.set(mntReq, uniqueMountId);
            Layouts.REQ_PARAM.set(mntReq, STATMOUNT_MNT_BASIC);
            Layouts.SM_MASK.set(statmount, 0L);
            long r = Direct.call(SYS_STATMOUNT, mntReq.address(), statmount.address(), statmount.byteSize(), 0);
            if (r >= 0 && (Layouts.SM_MASK.get(statmount) & STATMOUNT_MNT_BASIC) != 0) {
                return (Layouts.SM_MNT_ATTR.get(statmount) & MOUNT_ATTR_NOSYMFOLLOW) == 0;
            }
        }
        if (Direct.call(Sysno.FSTATFS, fd, statfs.address(), 0, 0) < 0) {
            return false;
        }
        return (Layouts.F_FLAGS.get(statfs) & ST_NOSYMFOLLOW) == 0;
    }

    /** Returns the filesystem type (f_type) of an open file, or -1. */
    public long fsType(int fd) {
        if (Direct.call(Sysno.FSTATFS, fd, statfs.address(), 0, 0) < 0) {
            return -1;
        }
        return Layouts.F_TYPE.get(statfs);
    }

    /**
     * Clears O_NONBLOCK from the status flags of our fd {@code fd} (an open made with it only so
     * that a lease could not make it wait): 0 or -errno.
     */
    public int clearNonBlocking(int fd) {
        long fl = Direct.call(Sysno.FCNTL, fd, dev.seccheck.abi.Fcntl.F_GETFL, 0, 0);
        if (fl < 0) {
            return (int) fl;
        }
        return (int) Direct.call(Sysno.FCNTL, fd, dev.seccheck.abi.Fcntl.F_SETFL,
                fl & ~dev.seccheck.abi.Fcntl.O_NONBLOCK, 0);
    }

    /**
     * fchdir(fd): makes the directory {@code fd} names the working directory of the calling
     * thread's fs_struct (an emulation thread's own, never the JVM's): 0 or -errno.
     */
    public int fchdir(int fd) {
        return (int) Direct.call(Sysno.FCHDIR, fd, 0, 0, 0);
    }

    /** chdir(name) for the calling thread's fs_struct, as {@link #fchdir}: 0 or -errno. */
    public int chdir(String name) {
        return (int) Direct.call(Sysno.CHDIR, cString(name), 0, 0, 0);
    }

    /** RLIMIT_NOFILE, the resource of a process's descriptor limit. */
    public static final int RLIMIT_NOFILE = 7;

    /**
     * The soft limit {@code resource} of process {@code pid}, read with prlimit64 (no new limit
     * given): {@link Long#MAX_VALUE} for none, or -errno; -EPERM when the calling thread has
     * neither the process's real, effective and saved ids as its real ones nor CAP_SYS_RESOURCE.
     */
    public long softLimit(int pid, int resource) {
        long r = Direct.call(Sysno.PRLIMIT64, pid, resource, 0, rlimit.address());
        if (r < 0) {
            return r;
        }
        long soft = Layouts.RLIM_CUR.get(rlimit);
        return soft < 0 ? Long.MAX_VALUE : soft; // RLIM_INFINITY is all ones
    }

    /** ftruncate(fd, length): 0 or -errno. */
    public int ftruncate(int fd, long length) {
        return (int) retryOnEintr(() -> Direct.call(Sysno.FTRUNCATE, fd, length, 0, 0));
    }

    /**
     * faccessat(AT_FDCWD, name, mode), checked with this process's real ids (which are its
     * effective ones: seccheck is not set-user-ID): 0 or -errno, e.g. -EROFS for a file on a
     * read-only mount, -EACCES when the permission bits refuse.
     */
    public int access(String name, int mode) {
        return (int) Direct.call(Sysno.FACCESSAT, dev.seccheck.abi.Fcntl.AT_FDCWD, cString(name), mode, 0);
    }

    /** Closes a descriptor this thread opened; a failure has nothing left to undo. */
    public static void close(int fd) {
        if (fd >= 0) {
            Direct.call(Sysno.CLOSE, fd, 0, 0, 0);
        }
    }

    private long cString(String s) {
        return cString(s, path);
    }

    private static long cString(String s, MemorySegment into) {
        byte[] b = FileNames.encode(s);
        if (b.length >= into.byteSize()) {
            throw new IllegalArgumentException("path of " + b.length + " bytes is longer than PATH_MAX");
        }
        MemorySegment.copy(b, 0, into, ValueLayout.JAVA_BYTE, 0, b.length);
        into.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
        return into.address();
    }

    private interface Call {
        long run();
    }

    /** Bound while an EINTR ends the opens the caller makes ({@link #endedByEintr}). */
    private static final ScopedValue<Boolean> EINTR_ENDS = ScopedValue.newInstance();

    /**
     * Runs {@code call} on this thread with every open in it returning -EINTR when a signal
     * interrupts it, rather than opening again: for a caller that interrupts a FIFO open on purpose
     * (the sentry's, when the program no longer waits for it). Returns what {@code call} returns.
     */
    public static long endedByEintr(java.util.function.LongSupplier call) {
        return ScopedValue.where(EINTR_ENDS, Boolean.TRUE).call(call::getAsLong);
    }

    /**
     * Opens have no effect when interrupted before they complete (a FIFO open waiting for a peer),
     * so one is made again, unless the caller ends them so ({@link #endedByEintr}).
     */
    private static long retryOnEintr(Call c) {
        while (true) {
            long r = c.run();
            if (r != -dev.seccheck.abi.Errno.EINTR || EINTR_ENDS.isBound()) {
                return r;
            }
        }
    }
}
