package dev.seccheck.state;

/**
 * SyscallPointsPreparer makes a supervisor ready for a change of the enabled syscall points
 * before anyone sees it: a supervisor gives its running workload the seccomp filter the new
 * points need, so a session is active only once every task is covered. It may refuse the change
 * by throwing; then {@link PointState#publish} changes nothing and rethrows.
 */
@FunctionalInterface
public interface SyscallPointsPreparer {
    /**
     * Called with a preview of the state about to be published (its enabled points and fields,
     * no sinks reachable through it), before the change; returns once the change may go ahead.
     *
     * @throws RuntimeException (with a message naming what could not be prepared and why) to refuse
     */
    void prepare(PointState next);
}
