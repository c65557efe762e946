package dev.seccheck.sentry.filter;

import dev.seccheck.linux.Seccomp;

/** FilterAction is what the seccomp filter does with one syscall number. */
public enum FilterAction {
    /** Run the syscall; no stop. */
    ALLOW(Seccomp.RET_ALLOW),
    /** Hold the syscall for the supervisor's notifier thread (enter-only points: one cheap wake-up). */
    NOTIFY(Seccomp.RET_USER_NOTIF),
    /** Stop in the tracer (points that need the syscall's result: a second stop at its exit), with seccheck's {@link TraceTag}. */
    TRACE(TraceTag.RET);

    private final int ret;

    FilterAction(int ret) {
        this.ret = ret;
    }

    /** Returns the filter's return value for this action. */
    public int ret() {
        return ret;
    }
}
