package dev.seccheck.state;

/**
 * SyscallPointsListener is told when the set of enabled syscall points changes, so that a
 * supervisor can rebuild what decides which syscalls stop (its seccomp filter).
 */
@FunctionalInterface
public interface SyscallPointsListener {
    /** Called after the change is visible through {@code state}. */
    void syscallPointsChanged(PointState state);
}
