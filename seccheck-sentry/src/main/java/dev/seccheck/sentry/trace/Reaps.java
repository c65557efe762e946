package dev.seccheck.sentry.trace;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.emulate.DeadTasks;
import java.util.Optional;

/**
 * Reaps is the tracer's waitpid ({@link Wait}): a wait that reaps a thread (its end) first ends
 * what seccheck still performs for that thread and the kernel would have undone at its death
 * ({@link DeadTasks}), before the tracer can wait again. A traced thread's death reaches its
 * parent only through the tracer's waits: the parent is told when the tracer reaps the process's
 * leader, which the kernel reports only after every other thread of the process was reaped. So a
 * FIFO open seccheck performed for a killed thread is undone before the parent's waitpid returns,
 * as natively (where a writer opening with O_NONBLOCK then fails with ENXIO). The leader's own
 * open is the exception: its reap tells the parent at once, and the look every few milliseconds
 * ends it ({@code Waits}). Tracer thread only: one instance per thread that waits.
 */
final class Reaps {

    private final Wait wait = new Wait();

    /** As {@link Wait#waitpid}. */
    Optional<WaitStatus> waitpid(int pid, int options) throws LinuxException {
        return reaped(wait.waitpid(pid, options));
    }

    /** As {@link Wait#waitpidUnless}. */
    Optional<WaitStatus> waitpidUnless(int sig, int pid, int options) throws LinuxException {
        return reaped(wait.waitpidUnless(sig, pid, options));
    }

    private static Optional<WaitStatus> reaped(Optional<WaitStatus> st) {
        if (st.isPresent() && !(st.get() instanceof WaitStatus.Stopped)) {
            DeadTasks.reaped(st.get().tid());
        }
        return st;
    }
}
