package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.emulate.LandlockDomains;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * ExecRequests runs the commands {@code seccheck exec} starts inside a run. Any thread submits
 * a launched command and rings the {@link Doorbell}; the tracer thread, woken, attaches to it
 * (ptrace binds a tracee to the thread that attached it) with its tasks marked as an exec
 * session, serves its own listener on a notifier thread, and completes the request when its
 * first process ends.
 *
 * <p>The attach is the one moment seccheck is dumpable (the command still shares this process's
 * memory, see {@link Seal}), so it happens inside a {@link WorkloadFreeze}: no task of the
 * workload runs while the seal is lifted, and none can open {@code /proc/<seccheck>/mem} then.
 */
final class ExecRequests {

    private record Request(Launch launch, List<String> argv, IntConsumer started, CompletableFuture<WaitStatus> result) {}

    /** A command whose posix_spawn failed, so that glibc reaped it: {@code task} as the attach registered it. */
    private record Reaped(int pid, Task task) {}

    /** The exit status glibc's spawned child ends with when its execve fails. */
    private static final int SPAWN_FAILED = 127;

    private final Doorbell doorbell;
    private final TaskTable tasks;
    private final SyscallPoints syscalls;
    private final LandlockDomains landlock;
    private final int self;
    private final Consumer<String> log;
    /** Submitted, waiting for the tracer thread: the only state shared across threads. */
    private final ConcurrentLinkedQueue<Request> pending = new ConcurrentLinkedQueue<>();
    /** Commands reaped by their spawner thread, which the tracer may never have seen end. */
    private final ConcurrentLinkedQueue<Reaped> reaped = new ConcurrentLinkedQueue<>();
    /** Tracer thread: the request of each running command, by its first process. */
    private final Map<Integer, Request> running = new HashMap<>();
    /** Tracer thread: the notifiers of commands, each ending when its command's last task has gone. */
    private final List<Notifier> notifiers = new ArrayList<>();

    /** @param self this JVM's pid: its own held syscalls are continued, not reported */
    ExecRequests(Doorbell doorbell, TaskTable tasks, SyscallPoints syscalls, LandlockDomains landlock, int self,
            Consumer<String> log) {
        this.doorbell = doorbell;
        this.landlock = landlock;
        this.tasks = tasks;
        this.syscalls = syscalls;
        this.self = self;
        this.log = log;
    }

    /**
     * From any thread: hands a started command to the tracer; completes with how it ended.
     *
     * @param started told the command's pid once it is attached, on the tracer thread (it must not block)
     */
    CompletableFuture<WaitStatus> submit(Launch launch, List<String> argv, IntConsumer started) {
        Request req = new Request(launch, argv, started, new CompletableFuture<>());
        pending.add(req);
        switch (doorbell.ring()) {
            case RUNG -> { }
            case ALL_PARKED -> {
                pending.remove(req);
                req.result().completeExceptionally(new SentryException("every process of the workload is stopped"
                        + " (job control: SIGSTOP or Ctrl-Z); continue it (kill -CONT) and run the command again"));
            }
            case NONE -> {
                pending.remove(req);
                req.result().completeExceptionally(new SentryException("the workload has no process left to run it in"));
            }
        }
        return req.result();
    }

    /** Returns whether a command waits to be attached, or a reaped one to be forgotten. */
    boolean any() {
        return !pending.isEmpty() || !reaped.isEmpty();
    }

    /**
     * On the tracer thread: attaches to every submitted command, with the workload frozen.
     *
     * @param serving the task whose stop the tracer is serving, or 0 for none (the doorbell woke it)
     * @param round the stops collected and not yet served; those the freeze collects join them
     */
    void attachAll(TaskLifecycle lifecycle, Tracees tracees, int serving, Deque<WaitStatus> round) {
        endReaped(round);
        WorkloadFreeze freeze = new WorkloadFreeze(tasks, tracees);
        Request req;
        while ((req = pending.poll()) != null) {
            Launch launch = req.launch();
            boolean[] attaching = {false};
            Launch.Child child;
            try {
                child = freeze.run(serving, round, "so the command was not started", () -> {
                    attaching[0] = true;
                    return launch.attach(lifecycle, true); // kills its child when it fails
                });
            } catch (SentryException | LinuxException | RuntimeException e) {
                if (!attaching[0]) {
                    launch.abandon(); // the freeze failed: its child is held before its program, for good
                }
                req.result().completeExceptionally(e);
                continue;
            }
            int pid = child.pid();
            running.put(pid, req);
            try {
                req.started().accept(pid);
                notifiers.removeIf(Notifier::ended);
                notifiers.add(new Notifier(child, syscalls, tasks.withExecSessionDefault(true), launch.guard(), landlock, self,
                        log).start("seccheck-exec-notifier"));
                Reaped gone = new Reaped(pid, child.task());
                CompletableFuture<WaitStatus> result = req.result();
                launch.whenFailed(e -> { // reaped by posix_spawn, maybe unseen: see ended and endReaped
                    result.completeExceptionally(e);
                    reaped.add(gone);
                    doorbell.ring();
                });
                launch.release();
            } catch (SentryException | RuntimeException e) {
                // Attached: its end (it is killed now) is reported like any other and completes the request.
                kill(pid);
                log.accept("exec " + req.argv().getFirst() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Gives {@code round} the end of every command posix_spawn reaped that the tracer has not seen
     * end: the exit status glibc's child ended with, so that the task table, the filter layers
     * and the points forget it as if the tracer had reaped it. A command whose end the tracer did
     * see is gone from the table, or its end is in {@code round}; a task now in the table under
     * the same pid is another one, started later (its start time differs).
     */
    private void endReaped(Deque<WaitStatus> round) {
        Reaped r;
        while ((r = reaped.poll()) != null) {
            int pid = r.pid();
            Task now = tasks.get(pid);
            if (now != null && now.startNs() == r.task().startNs() && round.stream().noneMatch(s -> s.tid() == pid)) {
                round.add(new WaitStatus.Exited(pid, SPAWN_FAILED << 8, SPAWN_FAILED));
            }
        }
    }

    /** At the run's end, on the tracer thread: ends the notifier threads of the commands. */
    void stopAll() {
        notifiers.forEach(Notifier::stopAndJoin);
        notifiers.clear();
    }

    private static void kill(int pid) {
        try {
            Signals.kill(pid, Signal.SIGKILL);
        } catch (LinuxException e) {
            // Gone already.
        }
    }

    /**
     * A traced task ended: completes the request whose command it was the first process of. A
     * command whose execve failed after its release (glibc's spawned child then exits 127) fails
     * with why, as {@code seccheck run} does (126 cannot execute, 127 not found); glibc's
     * posix_spawn, which reaps that child, may also have reaped it before this thread saw it
     * end, and then {@link Launch#whenFailed} fails the request.
     */
    void ended(WaitStatus end) {
        Request r = running.remove(end.tid());
        if (r == null) {
            return;
        }
        Optional<SentryException> failed = end instanceof WaitStatus.Exited e && e.code() == 127
                ? r.launch().failure() : Optional.empty();
        if (failed.isPresent()) {
            r.result().completeExceptionally(failed.get());
        } else {
            r.result().complete(end);
        }
    }
}
