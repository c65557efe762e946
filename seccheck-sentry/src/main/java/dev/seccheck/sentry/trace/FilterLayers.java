package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Point;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.LayerProbe;
import dev.seccheck.sentry.filter.SeccompFilter;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.state.PointState;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.Signals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * FilterLayers decides which seccomp filters the workload carries and gets them installed: the
 * notifier's filter fixed at start (see {@link Launch}), the layer of traced syscalls injected at
 * each launched process's first exec, and the layers sessions created at runtime add. A filter
 * cannot be removed, so layers only accumulate; a layer left after its session is deleted stops
 * syscalls that then fire nothing.
 *
 * <p>A session created at runtime is active only once every task carries what it needs: the
 * control thread {@link #request}s it with a preview of the new points and waits for the future
 * before publishing them. The tracer thread makes one layer per batch of requests, each task
 * counts the layers it carries ({@link Tracee#layers}; a new thread inherits its creator's), and
 * a task lacking some is interrupted and given the union of what it lacks at its next stop where
 * {@link Injector} may run, with every task of the workload stopped ({@link #injectIfNeeded}).
 * A task that cannot take it fails the request naming it and why.
 * Tracer thread only, except {@link #request} and {@link #lacking}.
 */
final class FilterLayers {

    private final PointState state;
    private final SyscallPoints syscalls;
    private final TaskTable tasks;
    private final Tracees tracees;
    private final Consumer<String> log;
    private final ProcessMemory memory = new ProcessMemory();
    /** The tracer's stops collected but not yet served: a freeze adds to them, and injects at the safe ones. */
    private final Deque<WaitStatus> round;
    /** Stops the workload while a layer is in its memory (see {@link #injectIfNeeded}). */
    private final WorkloadFreeze freeze;

    /** Syscalls some installed filter layer sends to the tracer (grows as sessions add points). */
    private FilterAction[] traced;
    /** Syscalls the spawner's filter holds for the notifier (fixed for the run). */
    private FilterAction[] notified;
    /** The call layers' probes are made of: one the notifier does not hold, fixed with it at start; empty if none. */
    private OptionalInt probeSysno = OptionalInt.empty();
    /** The runtime layers made so far, in order: the syscalls each one sends to the tracer. */
    private final List<FilterAction[]> layers = new ArrayList<>();
    /** Per syscall, the index of the runtime layer that first traced it, -1 for none. */
    private final int[] firstLayer = new int[Point.MAX_SYSNO + 1];
    /** Requests from other threads, taken by the tracer thread at the doorbell's stop. */
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    /** Requests taken, waiting until every live task carries the layers they need. */
    private final List<Waiter> waiters = new ArrayList<>();
    /** Tasks whose last injection failed, with why: the requests needing them fail. */
    private final Map<Integer, String> failed = new HashMap<>();
    /** The tasks the waiters wait for, published for the message of a request that times out. */
    private volatile Set<Integer> lackingSnapshot = Set.of();
    /** The most runtime layers a fulfilled request needed: what published sessions may rely on. */
    private int committed;

    /** What a new state of the points needs (the filter actions), and who waits for every task to carry it. */
    private record Request(FilterAction[] wanted, CompletableFuture<Void> done) {}

    /** A request taken by the tracer thread: done once every live task carries {@code layers} runtime layers. */
    private record Waiter(int layers, CompletableFuture<Void> done) {}

    /** @param round the tracer's stops collected but not yet served (its thread only) */
    FilterLayers(PointState state, SyscallPoints syscalls, TaskTable tasks, Tracees tracees, Deque<WaitStatus> round,
            Consumer<String> log) {
        this.state = state;
        this.round = round;
        this.freeze = new WorkloadFreeze(tasks, tracees);
        this.syscalls = syscalls;
        this.tasks = tasks;
        this.tracees = tracees;
        this.log = log;
        Arrays.fill(firstLayer, -1);
    }

    /** Fixes the filters of the run from the points enabled now; call once, before the workload starts. */
    void atStart() {
        FilterAction[] actions = syscalls.filterActions();
        traced = SeccompFilter.only(actions, FilterAction.TRACE);
        notified = SeccompFilter.only(actions, FilterAction.NOTIFY);
        probeSysno = LayerProbe.syscallOutside(notified);
    }

    /** Returns the syscalls the notifier's filter holds. */
    FilterAction[] notified() {
        return notified;
    }

    /**
     * Returns the argument test that holds executable file mmaps for the notifier when sentry/mmap
     * is enabled at start, or nothing when no mmap needs it: without the point, or when every mmap
     * already stops (an mmap syscall point), where {@link SyscallPoints#fire} sees them anyway. A
     * fragment returning USER_NOTIF for a traced mmap would win over its RET_TRACE and lose the
     * exit stop. Like the notifier's filter, this is fixed at start: sessions created later do not
     * get sentry/mmap for later mmaps.
     */
    Fragment mmapFragment() {
        boolean seen = traced[Sysno.MMAP] == FilterAction.TRACE || notified[Sysno.MMAP] == FilterAction.NOTIFY;
        return state.enabled(Point.MMAP) && !seen ? MmapPoints.FILTER_FRAGMENT : Fragment.EMPTY;
    }

    /**
     * Returns what the notifier's filter holds by argument, beyond {@link #notified}'s whole
     * syscalls: executable file mmaps ({@link #mmapFragment}) and, while a sink decides at a
     * connect point, the setsockopt calls that may set a source route
     * ({@link dev.seccheck.sentry.emulate.SourceRoutes}). Fixed at start, as the filter is.
     */
    Fragment heldByArgument() {
        return mmapFragment().then(syscalls.emulation().fragment());
    }

    /**
     * From any thread: asks that every task carry what {@code next} (a preview of the points
     * about to be enabled) needs; the caller rings the doorbell. The future completes once every
     * live task has the layers (a task left in a group stop counts: it runs nothing before its
     * next stop, where it gets them), or fails naming a task that could not get them and why.
     */
    CompletableFuture<Void> request(PointState next) {
        FilterAction[] wanted = syscalls.withState(next).filterActions();
        Optional<String> refused = RuntimeAdmission.refusal(syscalls, notified, wanted, next);
        if (refused.isPresent()) {
            // Refused before anything changes: success of a create must mean its points are served.
            return CompletableFuture.failedFuture(new IllegalStateException(refused.get()));
        }
        Request r = new Request(wanted, new CompletableFuture<>());
        requests.add(r);
        return r.done();
    }

    /** Returns whether a request waits for the tracer thread. */
    boolean requested() {
        return !requests.isEmpty();
    }

    /** Returns the tids lacking a layer some request waits for, as last seen by the tracer thread. */
    Set<Integer> lacking() {
        return lackingSnapshot;
    }

    /**
     * At a launched process's first exec stop, before the program's first instruction: steps to
     * the exit of execve and injects the layer of traced syscalls, if there is any. It carries
     * every runtime layer made so far. No freeze is needed: execve gave the process memory of its
     * own, which no other task shares yet.
     */
    void installFirst(Tracee t) throws LinuxException {
        t.layers(layers.size());
        if (!SeccompFilter.uses(traced, FilterAction.TRACE)) {
            return;
        }
        t.toSyscallExit(0);
        WaitStatus st = t.await();
        if (!(st instanceof WaitStatus.Stopped s) || !s.syscallStop()) {
            throw new IllegalStateException("expected the exit of execve in " + t.tid() + ", got " + st);
        }
        new Injector(memory).installFilter(t, t.tid(), traced, null);
    }

    /**
     * On the tracer thread, at the doorbell's stop: takes every request waiting (a burst of
     * creates is served as one batch), makes one layer for the syscalls they need that no layer
     * sends to the tracer yet, and interrupts every task lacking a layer a request needs, so each
     * gets what it lacks at its next safe stop.
     */
    void startRefilter(int stoppedTid) {
        List<Request> batch = new ArrayList<>();
        Request r;
        while ((r = requests.poll()) != null) {
            batch.add(r);
        }
        FilterAction[] added = new FilterAction[traced.length];
        Arrays.fill(added, FilterAction.ALLOW);
        boolean any = false;
        for (Request req : batch) {
            for (int nr = 0; nr < req.wanted().length && nr < added.length; nr++) {
                if (needsTracer(req.wanted(), nr) && firstLayer[nr] < 0 && traced[nr] != FilterAction.TRACE) {
                    added[nr] = FilterAction.TRACE;
                    any = true;
                }
            }
        }
        if (any) {
            for (int nr = 0; nr < added.length; nr++) {
                if (added[nr] == FilterAction.TRACE) {
                    firstLayer[nr] = layers.size();
                    traced[nr] = FilterAction.TRACE;
                }
            }
            layers.add(added);
        }
        for (Request req : batch) {
            waiters.add(new Waiter(layersNeeded(req.wanted()), req.done()));
        }
        for (int tid : tasks.tids()) {
            Tracee t = tracees.of(tid);
            if (t.layers() >= layers.size() || t.needsLayer()) {
                continue;
            }
            failed.remove(tid); // tried again for this batch
            t.needsLayer(true);
            if (tid == stoppedTid || t.listening()) {
                continue; // injected right after this; or trapped, at the latest, when continued
            }
            try {
                t.interrupt();
            } catch (LinuxException e) {
                t.needsLayer(false); // gone: its end is reported soon
            }
        }
        settle();
    }

    /**
     * The number of runtime layers a task must carry to serve {@code wanted}: one more than the
     * newest layer that first sent one of its syscalls to the tracer. (A request whose syscall
     * no layer can send there, one the notifier holds, was refused by {@link #request}.)
     */
    private int layersNeeded(FilterAction[] wanted) {
        int needed = 0;
        for (int nr = 0; nr < wanted.length && nr < traced.length; nr++) {
            if (!needsTracer(wanted, nr)) {
                continue;
            }
            if (firstLayer[nr] >= 0) {
                needed = Math.max(needed, firstLayer[nr] + 1);
            }
        }
        return needed;
    }

    /** Whether syscall {@code nr} must stop in the tracer for {@code wanted}: traced, or enter-only but not notified. */
    private boolean needsTracer(FilterAction[] wanted, int nr) {
        boolean isNotified = nr < notified.length && notified[nr] == FilterAction.NOTIFY;
        return (wanted[nr] == FilterAction.TRACE && !isNotified) || (wanted[nr] == FilterAction.NOTIFY && !isNotified);
    }

    /** A thread created by a thread carrying some layers carries the same; if its creator lacks one, so does it. */
    void inherit(int parentTid, int childTid) {
        Tracee parent = tracees.find(parentTid);
        if (parent != null) {
            Tracee child = tracees.of(childTid);
            child.layers(parent.layers());
            child.needsLayer(parent.needsLayer());
        }
    }

    /** A task ended: it needs nothing any more. */
    void gone(int tid) {
        failed.remove(tid);
        if (!waiters.isEmpty()) {
            settle();
        }
    }

    /** The run is over: no task is left to wait for. */
    void ended() {
        for (Waiter w : waiters) {
            w.done().complete(null);
        }
        waiters.clear();
        Request r;
        while ((r = requests.poll()) != null) {
            r.done().complete(null);
        }
    }

    /**
     * At a safe stop: gives the thread the layers it lacks, as one filter, with the workload
     * frozen; and in the same freeze every other task lacking some whose stop, collected then, is
     * also safe. The layer is written into the program's memory before the thread's seccomp(2)
     * copies it, and its probe answers only after: any task sharing that memory (a thread of the
     * group, a CLONE_VM process, a vfork parent) that ran meanwhile could rewrite the layer's
     * traces into allows and keep the probe's, and the layer would pass while tracing nothing
     * (measured: a sibling that already had its layer did so in most creates). Sealing or
     * mprotect cannot stop it: such a task can remap any page of the program. So none runs: a
     * task left in a group stop is counted as frozen, as a SIGCONT, from inside the run (frozen
     * too) or from the operator, makes it trap into a stop the tracer serves, never run. One
     * freeze serves the whole create, not one per thread. A workload that cannot be frozen in time
     * fails the requests waiting, changing nothing. A thread that cannot get its layers fails the
     * requests waiting for it; if a fulfilled request needed what it lacks (it was group-stopped
     * then, or was created by a thread that was), its process is killed rather than left running
     * unchecked.
     *
     * @throws Injector.TaskEnded if the thread ended meanwhile; the tracer dispatches its status
     */
    void injectIfNeeded(Tracee t) {
        if (!t.needsLayer()) {
            return;
        }
        try {
            freeze.run(t.tid(), round, "so no filter layer was injected", () -> {
                injectFrozen(t);
                return null;
            });
        } catch (SentryException | LinuxException e) {
            notFrozen(e.getMessage());
        } finally {
            settle();
        }
    }

    /**
     * With the workload frozen: injects into {@code serving}, then into every task whose stop
     * waits in the round at a safe point and lacks a layer.
     */
    private void injectFrozen(Tracee serving) {
        Injector.TaskEnded servingEnded = null;
        try {
            injectOne(serving);
        } catch (Injector.TaskEnded e) {
            servingEnded = e; // the others are injected first, while the workload is frozen
        }
        for (WaitStatus pending : List.copyOf(round)) {
            Tracee other = pending instanceof WaitStatus.Stopped s && safeToInject(s) ? tracees.find(s.tid()) : null;
            if (other == null || !other.needsLayer() || tasks.get(other.tid()) == null) {
                continue;
            }
            try {
                injectOne(other);
            } catch (Injector.TaskEnded e) {
                round.remove(pending); // its end replaces the stop it no longer is in
                round.addLast(e.status);
            }
        }
        if (servingEnded != null) {
            throw servingEnded;
        }
    }

    /**
     * Whether a stop collected but not yet served is one where {@link Injector} may run: an
     * interrupt (or a new task's first stop), or a syscall's exit. Not a group stop, which only
     * a SIGCONT ends, nor a syscall's entry or a clone or exec event, where the kernel still
     * writes the call's result over the registers.
     */
    private static boolean safeToInject(WaitStatus.Stopped s) {
        return (s.event() == Ptrace.EVENT_STOP && !TaskLifecycle.isGroupStop(s.signal()))
                || (s.event() == 0 && s.syscallStop());
    }

    /** Gives one stopped thread, the workload frozen, the layers it lacks; records why if it cannot take them. */
    private void injectOne(Tracee t) {
        t.needsLayer(false);
        Task task = tasks.get(t.tid());
        if (task == null) {
            return;
        }
        try {
            if (t.layers() < layers.size()) {
                new Injector(memory).installFilter(t, task.tgid(), union(t.layers()), probe());
                t.layers(layers.size());
            }
        } catch (Injector.TaskEnded e) {
            throw e;
        } catch (LinuxException | RuntimeException e) {
            fail(t, task, "cannot take the new filter layer: " + e.getMessage());
        }
    }

    /**
     * The workload could not be frozen: no task lacking a layer gets it now (each would be tried
     * again at its next stop, each time holding the workload for the freeze's deadline), so each
     * fails the requests waiting for it.
     */
    private void notFrozen(String why) {
        for (int tid : tasks.tids()) {
            Tracee t = tracees.of(tid);
            Task task = tasks.get(tid);
            if (t.needsLayer() && task != null) {
                t.needsLayer(false);
                fail(t, task, "cannot take the new filter layer now: " + why);
            }
        }
    }

    /** Records that {@code t} lacks its layers and why; kills its process if a published session needs them. */
    private void fail(Tracee t, Task task, String what) {
        String why = "task " + t.tid() + " (" + task.comm() + ", process " + task.tgid() + ") " + what;
        failed.put(t.tid(), why);
        if (t.layers() < committed) {
            log.accept(why + "; killing its process, which would run unchecked");
            try {
                Signals.kill(task.tgid(), Signal.SIGKILL);
            } catch (LinuxException gone) {
                // already gone
            }
        }
    }

    /** A fresh probe for a layer injected into a running task, of a syscall the notifier does not hold. */
    private LayerProbe probe() throws LinuxException {
        if (probeSysno.isEmpty()) {
            throw new IllegalStateException("no syscall is left to prove the layer with: a session enabled at the run's"
                    + " start holds every one a probe can use (getpid, gettid, getppid, getuid, ...) for the notifier");
        }
        return LayerProbe.fresh(probeSysno.getAsInt());
    }

    /** The actions of one filter sending to the tracer every syscall of the layers from {@code from} on. */
    private FilterAction[] union(int from) {
        FilterAction[] all = new FilterAction[traced.length];
        Arrays.fill(all, FilterAction.ALLOW);
        for (int i = from; i < layers.size(); i++) {
            FilterAction[] l = layers.get(i);
            for (int nr = 0; nr < l.length; nr++) {
                if (l[nr] == FilterAction.TRACE) {
                    all[nr] = FilterAction.TRACE;
                }
            }
        }
        return all;
    }

    /** Completes the waiters every live task now satisfies, fails those a failed task cannot. */
    private void settle() {
        Set<Integer> lacking = new HashSet<>();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.done().isDone()) {
                it.remove(); // given up by its requester (deadline)
                continue;
            }
            String failure = null;
            boolean waiting = false;
            for (int tid : tasks.tids()) {
                Tracee t = tracees.of(tid);
                if (t.layers() >= w.layers()) {
                    continue;
                }
                String why = failed.get(tid);
                if (why != null) {
                    failure = why;
                    break;
                }
                if (!t.listening()) {
                    waiting = true;
                    lacking.add(tid);
                }
            }
            if (failure != null) {
                w.done().completeExceptionally(new IllegalStateException(failure));
                it.remove();
            } else if (!waiting) {
                committed = Math.max(committed, w.layers());
                w.done().complete(null);
                it.remove();
            }
        }
        lackingSnapshot = Set.copyOf(lacking);
    }
}
