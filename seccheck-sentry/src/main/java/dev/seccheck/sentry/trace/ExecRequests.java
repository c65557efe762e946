package dev.seccheck.sentry.trace;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.task.TaskTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * ExecRequests runs the commands {@code seccheck exec} starts inside a run. Any thread submits
 * a launched command and rings the {@link Doorbell}; the tracer thread, woken, attaches to it
 * (ptrace binds a tracee to the thread that attached it) with its tasks marked as an exec
 * session, serves its own listener on a notifier thread, and completes the request when its
 * first process ends.
 */
final class ExecRequests {

    private record Request(Launch launch, List<String> argv, CompletableFuture<WaitStatus> result) {}

    private final Doorbell doorbell;
    private final TaskTable tasks;
    private final SyscallPoints syscalls;
    private final int self;
    private final Consumer<String> log;
    /** Submitted, waiting for the tracer thread: the only state shared across threads. */
    private final ConcurrentLinkedQueue<Request> pending = new ConcurrentLinkedQueue<>();
    /** Tracer thread: the first process of each running command, and who waits for its end. */
    private final Map<Integer, CompletableFuture<WaitStatus>> running = new HashMap<>();
    /** Tracer thread: the notifiers of commands, each ending when its command's last task has gone. */
    private final List<Notifier> notifiers = new ArrayList<>();

    /** @param self this JVM's pid: its own held syscalls are continued, not reported */
    ExecRequests(Doorbell doorbell, TaskTable tasks, SyscallPoints syscalls, int self, Consumer<String> log) {
        this.doorbell = doorbell;
        this.tasks = tasks;
        this.syscalls = syscalls;
        this.self = self;
        this.log = log;
    }

    /** From any thread: hands a started command to the tracer; completes with how it ended. */
    CompletableFuture<WaitStatus> submit(Launch launch, List<String> argv) {
        Request req = new Request(launch, argv, new CompletableFuture<>());
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

    /** Returns whether a command waits to be attached. */
    boolean any() {
        return !pending.isEmpty();
    }

    /** On the tracer thread: attaches to every submitted command. */
    void attachAll(TaskLifecycle lifecycle) {
        Request req;
        while ((req = pending.poll()) != null) {
            try {
                Launch.Child child = req.launch().attach(lifecycle, true);
                int pid = child.pid();
                running.put(pid, req.result());
                notifiers.removeIf(Notifier::ended);
                notifiers.add(new Notifier(child, syscalls, tasks.withExecSessionDefault(true), req.launch().guard(), self,
                        log).start("seccheck-exec-notifier"));
                req.launch().release();
            } catch (SentryException | LinuxException | RuntimeException e) {
                req.result().completeExceptionally(e);
            }
        }
    }

    /** At the run's end, on the tracer thread: ends the notifier threads of the commands. */
    void stopAll() {
        notifiers.forEach(Notifier::stopAndJoin);
        notifiers.clear();
    }

    /** A traced task ended: completes the request whose command it was the first process of. */
    void ended(WaitStatus end) {
        CompletableFuture<WaitStatus> f = running.remove(end.tid());
        if (f != null) {
            f.complete(end);
        }
    }
}
