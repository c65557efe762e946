package dev.seccheck.sentry.trace;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.sentry.task.TaskTable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Doorbell wakes the tracer thread from any other thread, to attach a {@code seccheck exec}'s
 * command or give the workload a new filter layer: both need a tracee stopped. The tracer sleeps
 * in waitpid, which only a tracee's stop ends, and only the tracer may ptrace; so the bell sends
 * {@link Signals#INTERRUPT} to the tracer thread itself, whose wait takes that signal (a handler
 * without SA_RESTART) and fails with EINTR, and the tracer then stops one tracee with
 * PTRACE_INTERRUPT where a request needs them stopped: the new filter layer's tasks, the
 * workload frozen for an attach. Before, the bell was a SIGURG sent to a tracee, taken at its
 * signal-delivery stop: a program that blocked SIGURG in its threads never took it, and every
 * {@code trace create} and {@code seccheck exec} of its run failed after their deadline.
 * PTRACE_INTERRUPT stops a thread whatever its signal mask.
 *
 * <p>A thread left in its group stop (job control: Ctrl-Z, SIGSTOP) cannot be stopped for a
 * request: the tracer marks such threads {@linkplain #park parked}, and when every thread is
 * parked the bell says so: nothing of the workload runs then, and whatever wakes the tracer next
 * (a SIGCONT's stop) finds the request first.
 */
final class Doorbell {

    /** What {@link #ring} did. */
    enum Ring {
        /** The tracer is woken, and a thread that can stop is there. */
        RUNG,
        /** Every thread of the workload is in a group stop: none runs before the tracer's next stop. */
        ALL_PARKED,
        /** No traced thread is left. */
        NONE
    }

    private static final int PID = (int) ProcessHandle.current().pid();

    private final TaskTable tasks;
    /** Set by {@link #ring}, cleared by the tracer as it serves the requests: rung since. */
    private final AtomicBoolean rung = new AtomicBoolean();
    /** Threads the tracer left in a group stop (PTRACE_LISTEN); written by the tracer thread only. */
    private final Set<Integer> parked = ConcurrentHashMap.newKeySet();
    /** The tracer thread's id, 0 until it waits; the bell's signal goes to it. */
    private volatile int tracer;
    /** Whether a thread rings again until the tracer takes the bell ({@link #ringUntilTaken}). */
    private final AtomicBoolean ringing = new AtomicBoolean();
    /** Set once the tracer no longer waits: nothing rings any more. */
    private volatile boolean closed;

    /**
     * How often the bell rings again until the tracer takes it: a signal that lands after the
     * tracer unblocked it and before its wait began is taken there, and the wait sleeps on.
     */
    private static final long RING_AGAIN_NS = TimeUnit.MILLISECONDS.toNanos(20);

    Doorbell(TaskTable tasks) {
        this.tasks = tasks;
    }

    /**
     * On the tracer thread, before its first wait: the bell's signal is sent to this thread, which
     * blocks it but while it waits, and takes it through a handler that does nothing.
     */
    void tracerIsThisThread() throws LinuxException {
        Signals.interruptWith(Signals.INTERRUPT);
        Signals.blockInThisThread(Signals.INTERRUPT);
        tracer = Syscalls.gettid();
    }

    /** Wakes the tracer thread, saying whether a thread that is not parked can take the request. */
    Ring ring() {
        boolean any = false;
        boolean stoppable = false;
        for (int tid : tasks.tids()) {
            if (tasks.get(tid) == null) {
                continue;
            }
            any = true;
            if (!parked.contains(tid)) {
                stoppable = true;
                break;
            }
        }
        if (!stoppable) {
            return any ? Ring.ALL_PARKED : Ring.NONE;
        }
        rung.set(true);
        signalTracer();
        if (ringing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("seccheck-bell").start(this::ringUntilTaken);
        }
        return Ring.RUNG;
    }

    /** Sends the bell's signal to the tracer thread: pending until its wait if it is busy. */
    private void signalTracer() {
        int t = tracer;
        if (t != 0 && !closed) {
            Syscalls.signalThread(PID, t, Signals.INTERRUPT);
        }
    }

    /**
     * Rings every {@link #RING_AGAIN_NS} until the tracer has taken the bell or stopped waiting.
     * The wait cannot take its signal atomically with unblocking it (wait4 has no signal mask of
     * its own, as ppoll has), so one ring may be lost in that moment; a {@code seccheck exec},
     * which rings once, would then wait for the workload's next stop, maybe for good.
     */
    private void ringUntilTaken() {
        do {
            while (rung.get() && !closed) {
                LockSupport.parkNanos(RING_AGAIN_NS);
                if (rung.get()) {
                    signalTracer();
                }
            }
            ringing.set(false);
            // A ring just before the line above started no ringer: carry on for it.
        } while (rung.get() && !closed && ringing.compareAndSet(false, true));
    }

    /** On the tracer thread, once it no longer waits (the run ended): the bell rings no more. */
    void close() {
        closed = true;
    }

    /** Whether the bell was rung and its requests are not served yet. */
    boolean rung() {
        return rung.get();
    }

    /**
     * On the tracer thread, between stops: whether the bell was rung since the last call, which
     * clears it, so that a ring while the requests are served wakes the tracer again.
     */
    boolean take() {
        return rung.getAndSet(false);
    }

    /** Tracer thread: {@code tid} was left in its group stop, or (false) resumed or ended. */
    void park(int tid, boolean isParked) {
        if (isParked) {
            parked.add(tid);
        } else {
            parked.remove(tid);
        }
    }
}
