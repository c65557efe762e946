package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Doorbell wakes the tracer thread from any other thread. The tracer sleeps in waitpid, which
 * only a tracee's stop ends; so a SIGURG is sent to one of its tracees, and the tracer takes it
 * at that signal-delivery stop instead of delivering it. The count makes the tracer swallow
 * exactly as many SIGURGs as were rung; a program's own SIGURG beyond them is delivered.
 */
final class Doorbell {

    private final TaskTable tasks;
    /** SIGURGs sent and not yet taken: incremented before the send, so the stop always finds it. */
    private final AtomicInteger rung = new AtomicInteger();

    Doorbell(TaskTable tasks) {
        this.tasks = tasks;
    }

    /** Wakes the tracer thread; false when no traced task is left to carry the signal. */
    boolean ring() {
        for (int tid : tasks.tids()) {
            Task t = tasks.get(tid);
            if (t == null) {
                continue;
            }
            rung.incrementAndGet();
            try {
                Syscalls.tgkill(t.tgid(), tid, Signal.SIGURG);
                return true;
            } catch (LinuxException e) {
                rung.decrementAndGet(); // gone: try another
            }
        }
        return false;
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
