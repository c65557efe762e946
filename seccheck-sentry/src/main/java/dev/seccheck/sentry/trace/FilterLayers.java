package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Point;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.Program;
import dev.seccheck.sentry.filter.SeccompFilter;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.state.PointState;
import java.util.function.Consumer;

/**
 * FilterLayers decides which seccomp filters the workload carries and gets them installed: the
 * notifier's filter fixed at start (see {@link Launch}), the layer of traced syscalls injected at
 * each launched process's first exec, and the layers sessions created at runtime add. A filter
 * cannot be removed, so layers only accumulate; a layer left after its session is deleted stops
 * syscalls that then fire nothing.
 *
 * <p>A runtime layer is given to every thread at its next safe stop: all threads are marked as
 * needing it ({@link Tracee#needsLayer}) and interrupted; each one gets it when it next stops
 * where {@link Injector} may run. Tracer thread only, except {@link #request}.
 */
final class FilterLayers {

    private final PointState state;
    private final SyscallPoints syscalls;
    private final TaskTable tasks;
    private final Tracees tracees;
    private final Consumer<String> log;
    private final ProcessMemory memory = new ProcessMemory();

    /** Syscalls some installed filter layer sends to the tracer (grows as sessions add points). */
    private FilterAction[] traced;
    /** Syscalls the spawner's filter holds for the notifier (fixed for the run). */
    private FilterAction[] notified;
    /** The runtime layer threads marked {@link Tracee#needsLayer} are to get. */
    private Program pendingLayer;
    private volatile boolean requested;

    FilterLayers(PointState state, SyscallPoints syscalls, TaskTable tasks, Tracees tracees, Consumer<String> log) {
        this.state = state;
        this.syscalls = syscalls;
        this.tasks = tasks;
        this.tracees = tracees;
        this.log = log;
    }

    /** Fixes the filters of the run from the points enabled now; call once, before the workload starts. */
    void atStart() {
        FilterAction[] actions = syscalls.filterActions();
        traced = SeccompFilter.only(actions, FilterAction.TRACE);
        notified = SeccompFilter.only(actions, FilterAction.NOTIFY);
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
     * get sentry/mmap for later mmaps (they still get the initial mappings of each exec).
     */
    Fragment mmapFragment() {
        boolean seen = traced[Sysno.MMAP] == FilterAction.TRACE || notified[Sysno.MMAP] == FilterAction.NOTIFY;
        return state.enabled(Point.MMAP) && !seen ? MmapPoints.FILTER_FRAGMENT : Fragment.EMPTY;
    }

    /** From any thread: asks for a layer for the syscall points enabled now (the caller rings the doorbell). */
    void request() {
        requested = true;
    }

    /** Returns whether a layer was requested and not yet built. */
    boolean requested() {
        return requested;
    }

    /**
     * At a launched process's first exec stop, before the program's first instruction: steps to
     * the exit of execve and injects the layer of traced syscalls, if there is any.
     */
    void installFirst(Tracee t) throws LinuxException {
        if (!SeccompFilter.uses(traced, FilterAction.TRACE)) {
            return;
        }
        t.toSyscallExit(0);
        WaitStatus st = t.await();
        if (!(st instanceof WaitStatus.Stopped s) || !s.syscallStop()) {
            throw new IllegalStateException("expected the exit of execve in " + t.tid() + ", got " + st);
        }
        new Injector(memory).installFilter(t, t.tid(), SeccompFilter.compile(traced));
    }

    /**
     * Builds the layer for syscalls that now have points but no installed filter sends anywhere,
     * and interrupts every thread but the stopped one so each installs it at its next safe stop.
     */
    void startRefilter(int stoppedTid) {
        requested = false;
        FilterAction[] wanted = syscalls.filterActions();
        FilterAction[] added = new FilterAction[wanted.length];
        boolean any = false;
        for (int nr = 0; nr < wanted.length; nr++) {
            boolean isTraced = nr < traced.length && traced[nr] == FilterAction.TRACE;
            boolean isNotified = nr < notified.length && notified[nr] == FilterAction.NOTIFY;
            added[nr] = FilterAction.ALLOW;
            if (wanted[nr] == FilterAction.TRACE && !isTraced) {
                if (isNotified) {
                    log.accept("syscall " + nr + ": exit points cannot be added while the run is going: its enter"
                            + " points are served by the notifier for the whole run");
                    continue;
                }
                added[nr] = FilterAction.TRACE;
            } else if (wanted[nr] == FilterAction.NOTIFY && !isTraced && !isNotified) {
                added[nr] = FilterAction.TRACE; // the notifier's filter is fixed; new enter points stop in the tracer
            }
            if (added[nr] == FilterAction.TRACE) {
                traced[nr] = FilterAction.TRACE;
                any = true;
            }
        }
        if (!any) {
            return;
        }
        pendingLayer = SeccompFilter.compile(added);
        for (int tid : tasks.tids()) {
            Tracee t = tracees.of(tid);
            t.needsLayer(true);
            if (tid == stoppedTid) {
                continue;
            }
            try {
                t.interrupt();
            } catch (LinuxException e) {
                t.needsLayer(false); // gone
            }
        }
    }

    /** A thread created before its parent got the layer did not inherit it: it needs it too. */
    void inherit(int parentTid, int childTid) {
        Tracee parent = tracees.find(parentTid);
        if (parent != null && parent.needsLayer()) {
            tracees.of(childTid).needsLayer(true);
        }
    }

    /** At a safe stop: gives the thread the pending layer if it still lacks it. */
    void injectIfNeeded(Tracee t) {
        if (!t.needsLayer()) {
            return;
        }
        t.needsLayer(false);
        Task task = tasks.get(t.tid());
        if (task == null) {
            return;
        }
        try {
            new Injector(memory).installFilter(t, task.tgid(), pendingLayer);
        } catch (LinuxException | RuntimeException e) {
            log.accept("cannot give task " + t.tid() + " the new filter layer: " + e.getMessage());
        }
    }
}
