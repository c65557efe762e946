package dev.seccheck.sentry.syscalls;

/**
 * Abi holds the size limits the decoders apply to what they read from a task; the Linux
 * constants themselves come from {@code dev.seccheck.abi}.
 */
final class Abi {
    private Abi() {}

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
