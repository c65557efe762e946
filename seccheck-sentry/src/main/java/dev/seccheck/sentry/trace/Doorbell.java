package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Doorbell wakes the tracer thread from any other thread. The tracer sleeps in waitpid, which
 * only a tracee's stop ends; so a SIGURG is sent to one of its tracees, and the tracer takes it
 * at that signal-delivery stop instead of delivering it. The count makes the tracer swallow
 * exactly as many SIGURGs as were rung; a program's own SIGURG beyond them is delivered.
 *
 * <p>A thread left in its group stop (job control: Ctrl-Z, SIGSTOP) cannot carry the signal: it
 * stays stopped with the SIGURG pending until continued. The tracer marks such threads
 * {@linkplain #park parked}, the bell skips them, and when every thread is parked it says so:
 * nothing of the workload runs then, and whatever wakes the tracer next (a SIGCONT's stop) finds
 * the request first.
 */
final class Doorbell {

    /** What {@link #ring} did. */
    enum Ring {
        /** A SIGURG is on its way to a thread that can take it. */
        RUNG,
        /** Every thread of the workload is in a group stop: none runs before the tracer's next stop. */
        ALL_PARKED,
        /** No traced thread is left. */
        NONE
    }

    private final TaskTable tasks;
    /** SIGURGs sent and not yet taken: incremented before the send, so the stop always finds it. */
    private final AtomicInteger rung = new AtomicInteger();
    /** Threads the tracer left in a group stop (PTRACE_LISTEN); written by the tracer thread only. */
    private final Set<Integer> parked = ConcurrentHashMap.newKeySet();

    Doorbell(TaskTable tasks) {
        this.tasks = tasks;
    }

    /** Wakes the tracer thread through a thread that is not parked. */
    Ring ring() {
        boolean any = false;
        for (int tid : tasks.tids()) {
            Task t = tasks.get(tid);
            if (t == null) {
                continue;
            }
            any = true;
            if (parked.contains(tid)) {
                continue;
            }
            rung.incrementAndGet();
            try {
                Syscalls.tgkill(t.tgid(), tid, Signal.SIGURG);
                return Ring.RUNG;
            } catch (LinuxException e) {
                rung.decrementAndGet(); // gone: try another
            }
        }
        return any ? Ring.ALL_PARKED : Ring.NONE;
    }

    /** Tracer thread: {@code tid} was left in its group stop, or (false) resumed or ended. */
    void park(int tid, boolean isParked) {
        if (isParked) {
            parked.add(tid);
        } else {
            parked.remove(tid);
        }
    }

    /**
     * At a signal-delivery stop on the tracer thread: returns the signal to deliver, 0 when it
     * was the doorbell's.
     */
    int take(int signal) {
        if (signal == Signal.SIGURG && rung.get() > 0) {
            rung.decrementAndGet();
            return 0;
        }
        return signal;
    }
}
