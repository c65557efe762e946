package dev.seccheck.abi;

/**
 * Fcntl holds the x86-64 Linux file flags ({@code O_*}, from {@code asm-generic/fcntl.h}), the
 * {@code *at} call constants ({@code AT_*}, from {@code linux/fcntl.h}) and the fcntl(2) commands
 * that the decoder and the bindings read or pass in system call arguments.
 */
public final class Fcntl {
    private Fcntl() {}

    /** F_GETFL is the fcntl(2) command that reads a descriptor's status flags (O_NONBLOCK...). */
    public static final int F_GETFL = 3;
    /** F_SETFL is the fcntl(2) command that sets a descriptor's status flags. */
    public static final int F_SETFL = 4;

    /** AT_FDCWD is the directory fd that means "relative to the current working directory". */
    public static final int AT_FDCWD = -100;
    /**
     * PATH_MAX ({@code linux/limits.h}): the longest path name a call takes, its NUL included; the
     * kernel fails a longer one with ENAMETOOLONG.
     */
    public static final int PATH_MAX = 4096;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EACCESS = 0x200;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_NO_AUTOMOUNT = 0x800;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int AT_STATX_SYNC_TYPE = 0x6000;
    public static final int AT_STATX_SYNC_AS_STAT = 0x0000;
    public static final int AT_STATX_FORCE_SYNC = 0x2000;
    public static final int AT_STATX_DONT_SYNC = 0x4000;
    public static final int AT_RECURSIVE = 0x8000;

    /** openat2's resolve flags (struct open_how's {@code resolve}). */
    public static final long RESOLVE_NO_XDEV = 0x01;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;
    public static final long RESOLVE_CACHED = 0x20;

    /** renameat2's flags: fail if the new name exists, swap the two names, leave a whiteout behind. */
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;

    /** O_ACCMODE masks the access mode (O_RDONLY, O_WRONLY or O_RDWR) out of open flags. */
    public static final int O_ACCMODE = 0003;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NDELAY = O_NONBLOCK;
    public static final int O_DSYNC = 010000;
    public static final int O_ASYNC = 020000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    /** O_SYNC is the kernel's __O_SYNC bit together with O_DSYNC, as the header defines it. */
    public static final int O_SYNC = 04000000 | O_DSYNC;
    public static final int O_PATH = 010000000;
    /** O_TMPFILE is the kernel's __O_TMPFILE bit together with O_DIRECTORY, as the header defines it. */
    public static final int O_TMPFILE = 020000000 | O_DIRECTORY;
}
