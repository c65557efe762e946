package dev.seccheck.sentry.syscalls;

/**
 * FdPaths resolves a file descriptor of the task that made the syscall to its path, as
 * {@code /proc/<tid>/fd/<fd>} shows it; {@code fd == AT_FDCWD} resolves to the task's
 * working directory. It never throws: on failure it returns gVisor-style text such as
 * {@code "[err: FD not found]"}.
 */
@FunctionalInterface
public interface FdPaths {

    /** The fd that names the working directory (Linux's AT_FDCWD), the one fd that is not in /proc/PID/fd. */
    int AT_FDCWD = dev.seccheck.abi.Fcntl.AT_FDCWD;

    /** Returns the path of {@code fd}, or {@code "[err: <reason>]"} when it cannot be resolved. */
    String path(int fd);

    /**
     * Returns what socket {@code fd} is (family, type, bound address, peer), or null when it is no
     * socket or cannot be looked at. Sources without access to the task's sockets keep this default.
     */
    default SocketInfo socket(int fd) {
        return null;
    }

    /**
     * SocketInfo is a socket's family and type (as socket(2) takes them), its getsockname address
     * (empty when getsockname failed) and its getpeername address (null when it has no peer).
     */
    record SocketInfo(int family, int type, byte[] address, byte[] peer) {}
}
