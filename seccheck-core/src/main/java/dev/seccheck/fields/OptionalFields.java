package dev.seccheck.fields;

/**
 * OptionalFields holds the ids of the optional fields that points offer, per gVisor's
 * schema. Ids are per point kind, so different kinds reuse the same numbers.
 */
public final class OptionalFields {
    private OptionalFields() {}

    /** {@code container/start}: the container's environment. */
    public static final FieldDesc CONTAINER_START_ENV = new FieldDesc(0, "env");

    /** {@code sentry/execve}: mode, owner, inode, ctime, size and links of the binary. */
    public static final FieldDesc EXECVE_BINARY_INFO = new FieldDesc(0, "binary_info");
    /** {@code sentry/execve}: SHA-256 of the binary. */
    public static final FieldDesc EXECVE_BINARY_SHA256 = new FieldDesc(1, "binary_sha256");
    /** {@code sentry/execve}: SHA-1 of the binary. */
    public static final FieldDesc EXECVE_BINARY_SHA1 = new FieldDesc(2, "binary_sha1");
    /** {@code sentry/execve}: what stdin, stdout and stderr are. */
    public static final FieldDesc EXECVE_FD_INFO = new FieldDesc(3, "fd_info");
    /** {@code sentry/execve}: the processes at the other end of stdin/stdout pipes. */
    public static final FieldDesc EXECVE_PIPE_PROC_INFO = new FieldDesc(4, "pipe_proc_info");

    /** Syscall points: the path of the file descriptor argument. */
    public static final FieldDesc SYSCALL_FD_PATH = new FieldDesc(0, "fd_path");
    /** Syscall points of execve and execveat: the environment passed. */
    public static final FieldDesc SYSCALL_ENVV = new FieldDesc(1, "envv");
}
