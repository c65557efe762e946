package dev.seccheck.sentry.syscalls;

/** Abi holds the x86-64 Linux constants the decoders interpret. */
final class Abi {
    private Abi() {}

    static final int AT_FDCWD = FdPaths.AT_FDCWD;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_TRUNC = 01000;
    /** O_TMPFILE includes O_DIRECTORY, so test all of its bits. */
    static final int O_TMPFILE = 020200000;
    static final int MAP_ANONYMOUS = 0x20;
    /** Linux's PATH_MAX: the longest path string read from a task. */
    static final int PATH_MAX = 4096;
    /** The largest sockaddr copied: sizeof(struct sockaddr_storage). */
    static final int SOCKADDR_MAX = 128;
    /** UIO_MAXIOV: more iovecs than this fail with EINVAL before any I/O. */
    static final int UIO_MAXIOV = 1024;
    /** gVisor's limit on argv or envv as a whole (bytes, NULs included). */
    static final int EXEC_MAX_TOTAL = 2 * 1024 * 1024;
    /** gVisor's limit on one argv or envv element (32 pages). */
    static final int EXEC_MAX_ELEMENT = 128 * 1024;
    static final int PAGE_SIZE = 4096;
}
