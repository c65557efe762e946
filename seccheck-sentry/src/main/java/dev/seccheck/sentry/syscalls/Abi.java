package dev.seccheck.sentry.syscalls;

/**
 * Abi holds the size limits the decoders apply to what they read from a task; the Linux
 * constants themselves come from {@code dev.seccheck.abi}.
 */
final class Abi {
    private Abi() {}

    /** The largest sockaddr copied: sizeof(struct sockaddr_storage). */
    static final int SOCKADDR_MAX = 128;
    /** UIO_MAXIOV: more iovecs than this fail with EINVAL before any I/O. */
    static final int UIO_MAXIOV = 1024;
    /**
     * Linux's limit on argv and envp together (bytes, NULs included): a quarter of the stack limit,
     * but never more than 3/4 of _STK_LIM (8 MiB), whatever the caller raised its stack limit to
     * (fs/exec.c, bprm_stack_limits). An exec passing more fails with E2BIG.
     */
    static final int EXEC_MAX_TOTAL = 6 * 1024 * 1024;
    /** Linux's MAX_ARG_STRLEN: the longest argv or envp element, its NUL included (32 pages). */
    static final int EXEC_MAX_ELEMENT = 128 * 1024;
    static final int PAGE_SIZE = 4096;
}
