package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.defense.Seal;
import dev.seccheck.sentry.task.TaskTable;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * WorkloadFreeze runs a step on the tracer thread while no task of the workload executes: the
 * one moment seccheck must be dumpable ({@link Seal#whileAttaching}), when a task that could run
 * could open {@code /proc/<seccheck>/mem} and keep the descriptor; and the injection of a filter
 * layer ({@link FilterLayers}), written into memory the program's other tasks share, where one
 * that could run could rewrite it before the injected seccomp(2) copies it.
 *
 * <p>Every traced task not known to be stopped gets a PTRACE_INTERRUPT, and the freeze waits
 * until each has reported a stop (or its end). Waiting for the report, not only asking, matters:
 * an interrupted task may be inside a syscall (an open whose permission check is still to come)
 * and only stops on its way back to user mode. A task in an interruptible sleep, including one
 * held by a seccomp notification, leaves it with ERESTARTSYS and repeats the call after it is
 * resumed, so any permission check it makes runs again, after the reseal. The stops collected are
 * appended to the tracer's round and served as usual afterwards; an interrupt stop is simply
 * resumed ({@link TaskLifecycle#eventStop}).
 *
 * <p>Tasks need no report when they cannot execute until the tracer acts: the one whose stop is
 * being served, those whose stops wait in the round, those left in a group stop
 * (PTRACE_LISTEN), zombies, and a vfork parent (sleeping in clone/vfork until its child, itself
 * frozen, execs or exits; it then stops on its way out). A task that reports nothing within
 * {@link #DEADLINE_MS} (an uninterruptible sleep) fails the step, which is not run: seccheck
 * stays sealed, no layer is written.
 */
final class WorkloadFreeze {

    /** How long the freeze waits for every task to stop. */
    static final long DEADLINE_MS = 2000;
    private static final long POLL_NS = TimeUnit.MICROSECONDS.toNanos(50);

    private final TaskTable tasks;
    private final Tracees tracees;
    private final Reaps wait = new Reaps();

    /** What runs with the workload frozen: an attach, which may fail as the tracer's calls and a launch do. */
    @FunctionalInterface
    interface Step<T> {
        /** Runs the step. */
        T run() throws SentryException, LinuxException;
    }

    WorkloadFreeze(TaskTable tasks, Tracees tracees) {
        this.tasks = tasks;
        this.tracees = tracees;
    }

    /**
     * Stops every task of the workload, then runs {@code step}.
     *
     * @param serving the task whose stop the tracer is serving (stopped, not yet resumed), or 0 for none
     * @param round the stops collected but not yet served; the stops this freeze collects are
     *     appended to it
     * @param notDone what a failure means, for its message ("so the command was not started")
     * @throws SentryException naming the tasks that did not stop in time; {@code step} did not run
     */
    <T> T run(int serving, Deque<WaitStatus> round, String notDone, Step<T> step) throws SentryException, LinuxException {
        Set<Integer> running = new HashSet<>(tasks.tids());
        running.remove(serving);
        for (WaitStatus pending : round) {
            running.remove(pending.tid());
        }
        running.removeIf(tid -> tracees.find(tid) != null && tracees.find(tid).listening());
        for (int tid : List.copyOf(running)) {
            try {
                tracees.of(tid).interrupt();
            } catch (LinuxException e) {
                if (e.errno() != Errno.ESRCH) {
                    throw e;
                }
                running.remove(tid); // no longer a tracee of ours: it has ended
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!running.isEmpty()) {
            Optional<WaitStatus> st = collect();
            if (st.isPresent()) {
                round.addLast(st.get());
                running.remove(st.get().tid());
                continue;
            }
            running.removeIf(WorkloadFreeze::cannotRun);
            if (!running.isEmpty() && System.nanoTime() - deadline > 0) {
                throw new SentryException("tasks " + running + " of the workload did not stop within " + DEADLINE_MS
                        + " ms (an uninterruptible sleep?), " + notDone + "; try again");
            }
            LockSupport.parkNanos(POLL_NS);
        }
        return step.run();
    }

    /** One pending stop of any tracee, or empty; no tracee left at all also gives empty. */
    private Optional<WaitStatus> collect() throws LinuxException {
        try {
            return wait.waitpid(-1, Wait.WALL | Wait.WNOTHREAD | Wait.WNOHANG);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECHILD) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Whether a task that has not reported its stop can run no instruction and no syscall until
     * the tracer acts: it is a zombie (or dead), or it sleeps uninterruptibly inside clone, fork
     * or vfork (a vfork parent waiting for its frozen child). A task /proc cannot show is gone.
     */
    private static boolean cannotRun(int tid) {
        try {
            String state = Procfs.statFieldsAfterComm(tid)[0];
            if (state.equals("Z") || state.equals("X")) {
                return true;
            }
            if (!state.equals("D")) {
                return false;
            }
            // "nr arg1 ... sp pc" while it sleeps in a syscall; "running" or "-1 ..." otherwise.
            String nr = Files.readString(Procfs.dir(tid).resolve("syscall")).split(" ", 2)[0].trim();
            return nr.equals(Integer.toString(Sysno.CLONE)) || nr.equals(Integer.toString(Sysno.FORK))
                    || nr.equals(Integer.toString(Sysno.VFORK));
        } catch (java.nio.file.NoSuchFileException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // cannot tell: wait for its report
        }
    }
}
