package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Catalog;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.emulate.LandlockDomains;
import dev.seccheck.sentry.emulate.SignalledCalls;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.sentry.defense.Seal;
import dev.seccheck.sentry.defense.StuckReads;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.state.PointState;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Tracer is the body of the one platform thread that starts the workload and owns every ptrace
 * call for it (the kernel binds a tracee to the thread that attached it). Its loop only waits
 * and dispatches each stop: task bookkeeping to {@link TaskLifecycle}, traced syscalls to
 * {@link SyscallStops}, runtime filter layers to {@link FilterLayers}, {@code seccheck exec}
 * commands to {@link ExecRequests}, cross-thread wake-ups to the {@link Doorbell}. It returns the
 * workload's exit status once its first process has exited and no traced task is left.
 */
public final class Tracer {

    /** How long {@link #prepare} waits for every task: under the control client's 5 s deadline. */
    static final long APPLY_DEADLINE_MS = 4000;
    /** How long {@link #prepare} waits for the tracer before ringing again. */
    private static final long RING_AGAIN_NS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Consumer<String> log;
    private final TaskTable tasks = new TaskTable(false);
    private final Doorbell doorbell = new Doorbell(tasks);
    private final Tracees tracees = new Tracees(doorbell, TaskLifecycle.BASE_OPTIONS);
    private final SyscallPoints syscalls;
    private final LifecyclePoints points;
    private final FilterLayers layers;
    /** The tasks' own Landlock domains, shared by the notifiers' emulators. */
    private final LandlockDomains landlock;
    private final TaskLifecycle lifecycle;
    private final SyscallStops syscallStops;
    private final ExecRequests execs;
    private final CompletableFuture<Integer> started = new CompletableFuture<>();
    private final Reaps wait = new Reaps();
    /** The stops collected by the last wait, served in the order the kernel reported them. */
    private final ArrayDeque<WaitStatus> round = new ArrayDeque<>();
    private final StopSpin spin = new StopSpin();
    private final int self = (int) ProcessHandle.current().pid();
    /** The signals seccheck passes on to the first process, delivered once and from their senders. */
    private final ForwardedSignals forwarded = new ForwardedSignals(self);
    private final BrokenPipeStops brokenPipes = new BrokenPipeStops(self);
    /** The registers of a task at its signal-delivery stop; the tracer thread's alone. */
    private final Regs signalRegs = new Regs();
    private final boolean allowPtrace;

    private int rootPid;
    /** A pidfd of the first process, opened while it is stopped at its attach (so it is that process); closed at the run's end. */
    private volatile Pidfd root;
    private WaitStatus rootEnd;
    private Notifier notifier;
    /** Where files the program names are looked at; its helper and watches end with the run. */
    private final FileLooks looks;
    /** The files an exec ran, looked at for the sinks deciding on them; its watch of the mount table ends with the run. */
    private final ExecutedFiles executedFiles;
    private Launch launch;

    /**
     * @param runId the run's name, reported as the {@code container_id} context field
     * @param log receives the supervisor's own warnings, one line each
     */
    public Tracer(PointState state, Catalog catalog, String runId, Consumer<String> log) {
        this(state, catalog, runId, log, false);
    }

    /**
     * @param allowPtrace whether the workload may ptrace its own tasks (see {@link Guard})
     */
    public Tracer(PointState state, Catalog catalog, String runId, Consumer<String> log, boolean allowPtrace) {
        this.log = log;
        this.allowPtrace = allowPtrace;
        ContextFactory context = new ContextFactory(runId, tasks);
        this.looks = new FileLooks(log);
        MmapPoints mmap = new MmapPoints(state, context, looks);
        ExecCalls execCalls = new ExecCalls(looks);
        TraceeAccess access = new TraceeAccess();
        this.syscalls = new SyscallPoints(state, catalog, context, mmap, execCalls);
        this.executedFiles = new ExecutedFiles(looks);
        this.points = new LifecyclePoints(state, context, runId, looks, executedFiles, log);
        this.layers = new FilterLayers(state, syscalls, tasks, tracees, round, log);
        this.landlock = new LandlockDomains(log);
        ExecNames execNames = new ExecNames(syscalls.decidedPathFiles(), tasks::shieldedFrom, looks, log);
        this.lifecycle = new TaskLifecycle(tasks, tracees, points, syscalls, layers, execCalls, landlock, executedFiles,
                execNames, log);
        DirectoryChangeStops directories = new DirectoryChangeStops(syscalls.decidedPathFiles(), tasks::shieldedFrom,
                looks, log);
        this.syscallStops = new SyscallStops(tasks, syscalls, layers, access, lifecycle, directories, execNames, log);
        this.execs = new ExecRequests(doorbell, tasks, syscalls, landlock, self, log);
    }

    /** Completes with the workload's pid once it is attached (or exceptionally if it could not start). */
    public CompletableFuture<Integer> started() {
        return started;
    }

    /**
     * Announces that seccheck is about to pass {@code signal}, which {@code sender} (uid
     * {@code senderUid}) sent seccheck, on to the first process ({@link ForwardedSignals}).
     */
    public void forwarding(int signal, int sender, int senderUid) {
        forwarded.forwarding(signal, sender, senderUid);
    }

    /**
     * Sends {@code sig} to the workload's first process through a pidfd of it taken at its
     * attach: 0, or -errno (ESRCH once it has ended, even when its number went to another process
     * since, or before it started; EBADF after the run). By number, a signal forwarded after the
     * first process ended and was reaped reached whatever process had taken the number.
     */
    public long signalRoot(int sig) {
        Pidfd p = root;
        return p == null ? -Errno.ESRCH : p.signal(sig);
    }

    /** Returns the thread group ids under supervision right now. */
    public Collection<Integer> processes() {
        return tasks.tgids();
    }

    /**
     * Runs the workload to its end; call on a dedicated platform thread.
     *
     * @param program the name to execute, as execvp would give it to execve (see {@code Supervisor})
     * @param argv its arguments, argv[0] included
     * @return the exit status: the code, or 128 + the signal that killed it
     */
    public int run(String program, List<String> argv) throws SentryException {
        // A filesystem of the run that leaves a read of a task's memory unanswered would hold the
        // tracer or the notifier: it is aborted, or its servers killed, after a while (StuckReads),
        // which notes here, before the program runs, the FUSE mounts that are not the run's.
        StuckReads stuckReads = new StuckReads(tasks::tgids, log);
        try {
            doorbell.tracerIsThisThread();
            attach(program, argv);
        } catch (SentryException e) {
            started.completeExceptionally(e);
            throw e;
        } catch (LinuxException | RuntimeException e) {
            SentryException se = new SentryException("cannot start " + argv.get(0) + ": " + e.getMessage(), e);
            started.completeExceptionally(se);
            throw se;
        }
        stuckReads.start();
        try {
            loop();
        } catch (LinuxException e) {
            throw new SentryException("supervision failed: " + e.getMessage(), e);
        } finally {
            doorbell.close();
            stuckReads.close();
            layers.ended();
            // The run's threads end with it: every task is gone, so no listener has anything left to hold.
            if (notifier != null) {
                notifier.stopAndJoin();
            }
            execs.stopAll();
            landlock.close();
            looks.close();
            executedFiles.close();
            Pidfd p = root;
            if (p != null) {
                p.close();
            }
        }
        if (rootEnd == null || rootEnd instanceof WaitStatus.Exited e && e.code() == 127) {
            // glibc's child exits 127 when its execve fails: say why, as a shell would (127 or 126).
            // posix_spawn reaps that child itself, so the tracer may not have seen it end at all.
            java.util.Optional<SentryException> failed = launch.failure();
            if (failed.isPresent()) {
                throw failed.get();
            }
        }
        return rootEnd == null ? 0 : rootEnd.exitCode();
    }

    /** Returns the signal that killed the program {@link #run} ran, if a signal did (after run). */
    public java.util.OptionalInt killedBy() {
        return rootEnd instanceof WaitStatus.Signaled s ? java.util.OptionalInt.of(s.signal()) : java.util.OptionalInt.empty();
    }

    /** Starts the workload and attaches to it before its program runs (see {@link Launch}). */
    private void attach(String program, List<String> argv) throws SentryException, LinuxException {
        layers.atStart();
        launch = Launch.start(program, argv, null, null, null, layers.notified(),
                Guard.forThisProcess(allowPtrace), layers.heldByArgument());
        Launch.Child child = launch.attach(lifecycle, false);
        rootPid = child.pid();
        root = Pidfd.ofProcess(rootPid); // stopped under our ptrace: the number is the child's
        Task root = child.task();
        String cwd = Path.of("").toAbsolutePath().toString();
        List<String> env = CallerWorld.current().environment().stream()
                .map(e -> new String(e, java.nio.charset.StandardCharsets.UTF_8)).toList();
        if (points.containerStart(root, program, argv, env, cwd, Signals.isatty(0)) != 0) {
            Signals.kill(rootPid, Signal.SIGKILL);
        }
        // Before the program's first instruction: from here on it cannot reach this process.
        Seal.seal();
        notifier = new Notifier(child, syscalls, tasks, launch.guard(), landlock, self, log).start("seccheck-notifier");
        launch.release();
        started.complete(rootPid);
    }

    /**
     * Starts another command inside this run's supervision, as {@code seccheck exec} does: same
     * sessions, its tasks marked as an exec session. Any thread may call it.
     *
     * @param stdio the descriptors to become its stdin, stdout and stderr (this process's; the
     *     caller closes them once the command has started)
     * @param started told the command's pid once it is attached, before its program runs (on the
     *     tracer thread: it must not block)
     * @return completes with how the command's first process ended
     */
    public CompletableFuture<WaitStatus> exec(String program, List<String> argv, List<String> env, String cwd, int[] stdio,
            java.util.function.IntConsumer started) {
        Launch command = Launch.start(program, argv, env, cwd, stdio, layers.notified(),
                Guard.forThisProcess(allowPtrace), layers.heldByArgument());
        CompletableFuture<WaitStatus> ended = execs.submit(command, argv, started);
        if (ended.isCompletedExceptionally()) {
            command.abandon(); // refused at once: no tracer will release its held child
        }
        return ended;
    }


    /**
     * From any thread: gives every task of the running workload the filter layer the points of
     * {@code next} (a preview, not yet published) need, and returns once every live task has it;
     * the doorbell wakes the tracer thread to do it. A burst of calls is served as one batch.
     *
     * @throws IllegalStateException naming a task that could not take the layer and why, or the
     *     tasks that did not take it within {@link #APPLY_DEADLINE_MS} ms; sessions then stay as
     *     they were (a layer some tasks took only stops syscalls that fire nothing)
     */
    public void prepare(PointState next) {
        if (LifecyclePoints.namesWanted(next)) {
            tasks.fillNames(); // tasks that executed while no point was enabled have no name read yet
        }
        if (LifecyclePoints.keepsExitContext(next)) {
            for (Task t : tasks.all()) {
                points.keepExitContext(next, t); // sentry/task_exit fires at the reap, when /proc has forgotten them
            }
        }
        CompletableFuture<Void> done = layers.request(next);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPLY_DEADLINE_MS);
        try {
            while (true) {
                // Rung again while waiting: the thread the first SIGURG went to may have entered a
                // group stop before taking it, and then carries it no further until continued.
                if (doorbell.ring() != Doorbell.Ring.RUNG) {
                    // No thread left, or none runs before the tracer's next stop, which takes the
                    // request before resuming anything: every live thread is covered.
                    done.complete(null);
                }
                long left = deadline - System.nanoTime();
                try {
                    done.get(Math.min(left, RING_AGAIN_NS), TimeUnit.NANOSECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (left <= RING_AGAIN_NS) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            done.cancel(false);
            var lacking = layers.lacking();
            throw new IllegalStateException((lacking.isEmpty()
                    ? "the tracer did not take up the new filter layer"
                    : "tasks " + lacking + " did not take the new filter layer (stuck in the kernel?)")
                    + " within " + APPLY_DEADLINE_MS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.cancel(false);
            throw new IllegalStateException("interrupted while giving the workload the new filter layer", e);
        }
    }

    /**
     * Serves stops in rounds. waitpid(-1) reports the first eligible tracee of the kernel's list,
     * newest attached first, so a loop that serves one stop per wait serves busy new threads
     * forever while an old one (the main thread stopped at its clone event, say) waits behind
     * them: measured, 32 threads looping on openat with exit points delayed a clone by seconds
     * to minutes. So after each round a sweep collects every stop pending then (WNOHANG until none
     * is left; a stopped thread is reported once until resumed) and serves them all before
     * waiting again: a stop waits at most for the round in progress and its own. The sweep comes
     * after the round, not before: the stop a blocking wait returned is served (its thread
     * resumed) at once, and the sweep that mostly finds nothing runs while that thread runs.
     */
    private void loop() throws LinuxException {
        while (rootEnd == null || !tasks.isEmpty()) {
            if (round.isEmpty() && lifecycle.awaitsCreators()) {
                lifecycle.endUnclaimed(); // nothing pending: no creator's event is on its way
            }
            if (doorbell.take()) {
                answerTheBell();
            }
            if (round.isEmpty() && !awaitOne()) {
                return;
            }
            WaitStatus st;
            while ((st = round.poll()) != null) {
                try {
                    dispatch(st);
                } catch (Injector.TaskEnded e) {
                    round.addFirst(e.status); // its exit event or death, consumed while injecting: served now
                } catch (LinuxException e) {
                    if (e.errno() != Errno.ESRCH) {
                        throw e;
                    }
                    // The task was killed while stopped; its death is reported in a later round.
                }
            }
            sweep();
        }
    }

    /**
     * Waits for the next stop or end into {@link #round}, polling for it first while stops come
     * back quickly ({@link StopSpin}); false when no tracee is left.
     */
    private boolean awaitOne() throws LinuxException {
        long start = System.nanoTime();
        try {
            long until = start + spin.budgetNs();
            while (System.nanoTime() < until) {
                Optional<WaitStatus> st = wait.waitpid(-1, Wait.WALL | Wait.WNOTHREAD | Wait.WNOHANG);
                if (st.isPresent()) {
                    round.add(st.get());
                    spin.waited(System.nanoTime() - start);
                    return true;
                }
            }
            if (lifecycle.awaitsCreators()) {
                return awaitUntil(lifecycle.creatorsDeadline());
            }
            // Empty when the doorbell's signal ended the wait: the loop then answers the bell.
            wait.waitpidUnless(Signals.INTERRUPT, -1, Wait.WALL | Wait.WNOTHREAD).ifPresent(round::add);
            spin.waited(System.nanoTime() - start);
            return true;
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECHILD) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Polls for the next stop or end into {@link #round} until {@code deadline} (nanoTime), every
     * millisecond: a task waiting for its creator's event must be ended in time even when no other
     * stop comes (a blocking wait has no timeout). True, with the round possibly empty.
     */
    private boolean awaitUntil(long deadline) throws LinuxException {
        while (System.nanoTime() - deadline < 0 && !doorbell.rung()) {
            Optional<WaitStatus> st = wait.waitpid(-1, Wait.WALL | Wait.WNOTHREAD | Wait.WNOHANG);
            if (st.isPresent()) {
                round.add(st.get());
                return true;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return true;
    }

    /**
     * Serves what the doorbell was rung for, with no task stopped: a new filter layer (every task
     * lacking it is interrupted, and takes it at that stop) and the commands of {@code seccheck
     * exec} (attached with the workload frozen, which interrupts every task).
     */
    private void answerTheBell() throws LinuxException {
        if (layers.requested()) {
            layers.startRefilter(0);
        }
        if (execs.any()) {
            execs.attachAll(lifecycle, tracees, 0, round);
        }
    }

    /** Adds to {@link #round} every stop or end pending now, without blocking. */
    private void sweep() throws LinuxException {
        try {
            Optional<WaitStatus> more;
            while ((more = wait.waitpid(-1, Wait.WALL | Wait.WNOTHREAD | Wait.WNOHANG)).isPresent()) {
                round.add(more.get());
            }
        } catch (LinuxException e) {
            if (e.errno() != Errno.ECHILD) {
                throw e;
            }
        }
    }

    private void dispatch(WaitStatus st) throws LinuxException {
        switch (st) {
            case WaitStatus.Exited e -> ended(e);
            case WaitStatus.Signaled s -> ended(s);
            case WaitStatus.Stopped s -> stopped(s, tracees.of(s.tid()));
        }
    }

    private void ended(WaitStatus end) {
        lifecycle.gone(end.tid(), end.raw());
        SignalledCalls.gone(end.tid());
        layers.gone(end.tid());
        if (end.tid() == rootPid) {
            rootEnd = end;
        }
        execs.ended(end);
    }

    private void stopped(WaitStatus.Stopped s, Tracee t) throws LinuxException {
        // At whatever stop comes first, not only the doorbell's: a SIGCONT ending a group stop
        // may wake the tracer before the bell does, and the thread must not run on without the
        // layer (it is interrupted again after this stop if injecting here is not safe).
        if (layers.requested()) {
            layers.startRefilter(t.tid());
        }
        switch (s.event()) {
            case Ptrace.EVENT_SECCOMP -> {
                if (lifecycle.beforeFirstExec(t.tid())) {
                    // The launch's exec trap: its execve is the run's start, not a syscall to
                    // report, but what it runs is decided and reported as any exec's.
                    syscallStops.launching(t);
                } else {
                    syscallStops.enter(t);
                }
            }
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> lifecycle.created(t, s.event());
            case Ptrace.EVENT_EXEC -> {
                // Read at the exec event itself: a launched process's first exec is moved on to
                // its syscall exit for its filter layer, where the message reads 0 (and its exec
                // call, registered under its tid, was never found).
                int former = (int) t.eventMessage();
                boolean launched = lifecycle.beforeExec(t);
                syscallStops.executed(lifecycle.executed(t, former, launched));
            }
            case Ptrace.EVENT_STOP -> lifecycle.eventStop(t, s.signal());
            case 0 -> {
                if (s.syscallStop()) {
                    syscallStops.exit(t);
                } else {
                    signalStop(t, s.signal());
                }
            }
            default -> t.resume(0);
        }
    }

    /**
     * A signal {@code sig} about to be delivered to {@code t}: when it ended the wait of a syscall
     * seccheck held (the syscall returns ERESTARTSYS), the call returns what the kernel's own would
     * have ({@link SignalledCalls}): repeated after the handler when natively it would not have
     * been interrupted. Every delivery stop reads the registers once; signals are not a hot path
     * (each is a ptrace stop already), and a program interrupted in no held call costs nothing more.
     */
    private void interrupted(Tracee t, int sig) throws LinuxException {
        t.getRegs(signalRegs);
        if (signalRegs.rax() != SignalledCalls.ERESTARTSYS) {
            return;
        }
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) {
            args[i] = signalRegs.arg(i);
        }
        Task task = tasks.get(t.tid());
        long r = SignalledCalls.atSignal(t.tid(), task == null ? t.tid() : task.tgid(), sig, signalRegs.syscallNr(), args);
        if (r != 0) {
            signalRegs.rax(r);
            t.setRegs(signalRegs);
        }
    }

    /** A signal-delivery stop: a signal to deliver, unless it is the second copy of a forward. */
    private void signalStop(Tracee t, int signal) throws LinuxException {
        int deliver = signal;
        brokenPipes.atDelivery(t, signal);
        if (ForwardedSignals.forwardable(deliver)) {
            Task task = tasks.get(t.tid());
            deliver = forwarded.atDelivery(t, task == null ? t.tid() : task.tgid(), rootPid, deliver);
        }
        if (deliver != 0) {
            interrupted(t, deliver);
        }
        if (execs.any()) {
            execs.attachAll(lifecycle, tracees, t.tid(), round);
        }
        layers.injectIfNeeded(t);
        t.resume(deliver);
    }
}
