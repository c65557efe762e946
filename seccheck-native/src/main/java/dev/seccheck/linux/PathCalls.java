package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * PathCalls opens and inspects files for an emulated open or truncate: openat, openat2,
 * readlinkat, fstat, stat, fstatfs, faccessat, ftruncate and close on the calling thread, each returning the kernel's result or {@code -errno}
 * (see {@link Direct}) so the program gets the same answer it would have got itself. One instance
 * per thread: it reuses its buffers.
 */
public final class PathCalls {

    /** The magic number fstatfs reports for procfs. */
    public static final long PROC_SUPER_MAGIC = 0x9fa0;

    /**
     * What fstat says about a file: where it lives, what it is, who owns it, its links, size,
     * and its change and modification times (nanoseconds since the epoch).
     */
    public record Stat(long dev, long ino, int mode, int uid, int gid, long ctimeNs, long nlink, long size,
            long mtimeNs) {
        private static final int S_IFMT = 0170000;

        /** Returns whether the file is a symbolic link. */
        public boolean isSymlink() {
            return (mode & S_IFMT) == 0120000;
        }

        /** Returns whether the file is a regular file. */
        public boolean isRegular() {
            return (mode & S_IFMT) == 0100000;
        }

        /** Returns whether the file is a directory. */
        public boolean isDirectory() {
            return (mode & S_IFMT) == 0040000;
        }
    }

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_MNT_ID = 0x1000;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment path = arena.allocate(4097);
    private final MemorySegment link = arena.allocate(4097);
    private final MemorySegment stat = arena.allocate(144, 8);
    private final MemorySegment statfs = arena.allocate(120, 8);
    private final MemorySegment how = arena.allocate(24, 8);
    private final MemorySegment statx = arena.allocate(256, 8);
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
        how.set(ValueLayout.JAVA_LONG, 0, flags);
        how.set(ValueLayout.JAVA_LONG, 8, mode);
        how.set(ValueLayout.JAVA_LONG, 16, resolve);
        long r = retryOnEintr(() -> Direct.call(Sysno.OPENAT2, dirfd, cString(name), how.address(), 24));
        return (int) r;
    }

    /** readlinkat(dirfd, name): the link's text, or null when it is not a readable link. */
    public String readlinkat(int dirfd, String name) {
        long n = Direct.call(Sysno.READLINKAT, dirfd, cString(name), link.address(), 4096);
        if (n < 0) {
            return null;
        }
        return new String(link.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
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

    private Stat statRead() {
        // struct stat on x86-64: st_dev@0, st_ino@8, st_nlink@16, st_mode@24, st_uid@28, st_gid@32,
        // st_size@48, st_mtim@88 and st_ctim@104 (seconds, then nanoseconds 8 bytes on).
        return new Stat(stat.get(ValueLayout.JAVA_LONG, 0), stat.get(ValueLayout.JAVA_LONG, 8),
                stat.get(ValueLayout.JAVA_INT, 24), stat.get(ValueLayout.JAVA_INT, 28), stat.get(ValueLayout.JAVA_INT, 32),
                stat.get(ValueLayout.JAVA_LONG, 104) * 1_000_000_000L + stat.get(ValueLayout.JAVA_LONG, 112),
                stat.get(ValueLayout.JAVA_LONG, 16), stat.get(ValueLayout.JAVA_LONG, 48),
                stat.get(ValueLayout.JAVA_LONG, 88) * 1_000_000_000L + stat.get(ValueLayout.JAVA_LONG, 96));
    }

    /**
     * Returns the id of the mount an open file (an O_PATH one too) is reached through, as
     * /proc/PID/mountinfo numbers mounts, or -errno: statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID).
     */
    public long mountId(int fd) {
        statx.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        long r = Direct.call(Sysno.STATX, fd, cString(""), AT_EMPTY_PATH, STATX_MNT_ID, statx.address(), 0);
        if (r < 0) {
            return r;
        }
        // struct statx: stx_mask@0, stx_mnt_id@144; the kernel clears the mask bit it could not fill.
        if ((statx.get(ValueLayout.JAVA_INT, 0) & STATX_MNT_ID) == 0) {
            return -dev.seccheck.abi.Errno.EINVAL;
        }
        return statx.get(ValueLayout.JAVA_LONG, 144);
    }

    /** Returns the filesystem type (f_type) of an open file, or -1. */
    public long fsType(int fd) {
        if (Direct.call(Sysno.FSTATFS, fd, statfs.address(), 0, 0) < 0) {
            return -1;
        }
        return statfs.get(ValueLayout.JAVA_LONG, 0);
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
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length >= path.byteSize()) {
            throw new IllegalArgumentException("path of " + b.length + " bytes is longer than PATH_MAX");
        }
        MemorySegment.copy(b, 0, path, ValueLayout.JAVA_BYTE, 0, b.length);
        path.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
        return path.address();
    }

    private interface Call {
        long run();
    }

    /** Opens have no effect when interrupted before they complete (a FIFO open waiting for a peer). */
    private static long retryOnEintr(Call c) {
        while (true) {
            long r = c.run();
            if (r != -dev.seccheck.abi.Errno.EINTR) {
                return r;
            }
        }
    }
}
