package dev.seccheck.sentry.syscalls;

/**
 * FdPaths resolves a file descriptor of the task that made the syscall to its path, as
 * {@code /proc/<tid>/fd/<fd>} shows it; {@code fd == AT_FDCWD (-100)} resolves to the task's
 * working directory. It never throws: on failure it returns gVisor-style text such as
 * {@code "[err: FD not found]"}.
 */
@FunctionalInterface
public interface FdPaths {

    /** The value of AT_FDCWD on Linux. */
    int AT_FDCWD = -100;

    /** Returns the path of {@code fd}, or {@code "[err: <reason>]"} when it cannot be resolved. */
    String path(int fd);
}
