package dev.seccheck.sentry.trace;

import dev.seccheck.linux.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Catalog;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.SeccompFilter;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.task.ProcFiles;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.state.PointState;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Tracer is the body of the one platform thread that starts the workload and owns every ptrace
 * call for it (the kernel binds a tracee to the thread that attached it). It turns ptrace events
 * into lifecycle points, serves the syscalls the filter traces, and returns the workload's exit
 * status once its first process has exited and no traced task is left.
 */
public final class Tracer {

    private static final int OPTIONS = Ptrace.O_EXITKILL | Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACECLONE
            | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACEEXEC | Ptrace.O_TRACEEXIT | Ptrace.O_TRACESECCOMP;
    private static final int CLONE_THREAD = 0x10000;
    private static final int CLONE_PARENT = 0x8000;
    private static final long FORK_FLAGS = Signals.SIGCHLD;
    private static final long VFORK_FLAGS = 0x100 | 0x4000 | Signals.SIGCHLD;
    private static final int SYS_CLONE = 56;
    private static final int SYS_CLONE3 = 435;

    private final PointState state;
    private final String runId;
    private final Consumer<String> log;
    private final TaskTable tasks = new TaskTable(false);
    private final SyscallPoints syscalls;
    private final LifecyclePoints lifecycle;
    private final MmapPoints mmap;
    private final CompletableFuture<Integer> started = new CompletableFuture<>();

    private final Ptrace ptrace = new Ptrace();
    private final Wait wait = new Wait();
    private final ProcessMemory memory = new ProcessMemory();
    private final TraceeAccess access = new TraceeAccess();
    private final Regs regs = new Regs();

    /** Tracer-thread state: syscalls whose exit stop is awaited, with what was seen at enter. */
    private final Map<Integer, SyscallEvent> inSyscall = new HashMap<>();
    /** New tasks whose creation event is known but whose first stop has not come. */
    private final Set<Integer> awaitingFirstStop = new HashSet<>();
    /** New tasks that stopped before their creator's event told us about them. */
    private final Set<Integer> stoppedEarly = new HashSet<>();

    private final int self = (int) ProcessHandle.current().pid();
    private int rootPid;
    /** Processes whose first exec still has to get the filter of traced syscalls. */
    private final Set<Integer> awaitingFirstExec = new HashSet<>();
    /** Commands started by {@link #exec}, waiting for the tracer, and those running. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ExecRequest> pendingExecs = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Map<Integer, CompletableFuture<Integer>> execRoots = new HashMap<>();
    /** Syscalls some installed filter layer sends to the tracer (grows as sessions add points). */
    private FilterAction[] traced;
    /** Syscalls the spawner's filter holds for the notifier (fixed for the run). */
    private FilterAction[] notified;

    /** Runtime sessions: a layer waiting to be injected, and the threads that still lack it. */
    private byte[] pendingLayer;
    private final Set<Integer> needsLayer = new HashSet<>();
    private volatile boolean refilterRequested;
    private final AtomicInteger doorbells = new AtomicInteger();
    private static final int SIGURG = 23;
    private Integer rootStatus;
    private Notifier notifier;

    public Tracer(PointState state, Catalog catalog, String runId, Consumer<String> log) {
        this.state = state;
        this.runId = runId;
        this.log = log;
        ContextFactory context = new ContextFactory(runId, tasks);
        this.mmap = new MmapPoints(state, context);
        this.syscalls = new SyscallPoints(state, catalog, context, mmap);
        this.lifecycle = new LifecyclePoints(state, context, runId);
    }

    /** Completes with the workload's pid once it is attached (or exceptionally if it could not start). */
    public CompletableFuture<Integer> started() {
        return started;
    }

    /** Returns the thread group ids under supervision right now. */
    public java.util.Collection<Integer> processes() {
        return tasks.tgids();
    }

    /**
     * Runs the workload to its end; call on a dedicated platform thread.
     *
     * @param program the absolute path of the program
     * @param argv its arguments, argv[0] included
     * @return the exit status: the code, or 128 + the signal that killed it
     */
    public int run(Path program, List<String> argv) throws SentryException {
        try {
            attach(program, argv);
        } catch (SentryException e) {
            started.completeExceptionally(e);
            throw e;
        } catch (LinuxException | RuntimeException e) {
            SentryException se = new SentryException("cannot start " + argv.get(0) + ": " + e.getMessage(), e);
            started.completeExceptionally(se);
            throw se;
        }
        try {
            loop();
        } catch (LinuxException e) {
            throw new SentryException("supervision failed: " + e.getMessage(), e);
        } finally {
            if (notifier != null) {
                notifier.stop();
            }
        }
        int status = rootStatus == null ? 0 : rootStatus;
        WaitStatus decoded = decode(rootPid, status);
        return decoded instanceof WaitStatus.Signaled s ? 128 + s.signal()
                : decoded instanceof WaitStatus.Exited e ? e.code() : 1;
    }

    /** Starts the workload and attaches to it before its program runs (see {@link Launch}). */
    private void attach(Path program, List<String> argv) throws SentryException, LinuxException {
        FilterAction[] actions = syscalls.filterActions();
        traced = SeccompFilter.only(actions, FilterAction.TRACE);
        notified = SeccompFilter.only(actions, FilterAction.NOTIFY);
        Launch.Child child = Launch.start(program, argv, null, null, null, notified, mmapFragment()).awaitChild(self);
        rootPid = child.first().tid();
        Task root = seize(rootPid, false);
        String cwd = Path.of("").toAbsolutePath().toString();
        if (lifecycle.containerStart(root, argv, cwd, Signals.isatty(0)) != 0) {
            Signals.kill(rootPid, Signals.SIGKILL);
        }
        child.listener().allow(child.first().id());
        notifier = new Notifier(child.listener(), syscalls, tasks, self, log);
        Thread.ofPlatform().daemon().name("seccheck-notifier").start(notifier);
        started.complete(rootPid);
    }

    /**
     * Returns the argument test that holds executable file mmaps for the notifier when sentry/mmap
     * is enabled at start, or nothing when no mmap needs it: without the point, or when every mmap
     * already stops (an mmap syscall point), where {@link SyscallPoints#fire} sees them anyway. A
     * fragment returning USER_NOTIF for a traced mmap would win over its RET_TRACE and lose the
     * exit stop. Like the notifier's filter, this is fixed at start: sessions created later do not
     * get sentry/mmap for later mmaps (they still get the initial mappings of each exec).
     */
    private byte[] mmapFragment() {
        boolean seen = traced[MmapPoints.SYS_MMAP] == FilterAction.TRACE || notified[MmapPoints.SYS_MMAP] == FilterAction.NOTIFY;
        return state.enabled(dev.seccheck.points.Point.MMAP) && !seen ? MmapPoints.FILTER_FRAGMENT : new byte[0];
    }

    /** Attaches to a process held at its first syscall, registers it, and marks its first exec for the filter. */
    private Task seize(int pid, boolean execSession) throws LinuxException {
        ptrace.seize(pid, OPTIONS);
        long now = TaskTable.nowNs();
        Task t = new Task(pid, pid, self, now, now, ProcFiles.comm(pid), null, null, execSession);
        tasks.put(t);
        awaitingFirstExec.add(pid);
        return t;
    }

    /**
     * Starts another command inside this run's supervision, as {@code seccheck exec} does: same
     * sessions, its tasks marked as an exec session. Any thread may call it.
     *
     * @param stdio the descriptors to become its stdin, stdout and stderr (this process's; the
     *     caller closes them once the command has started)
     * @return completes with the command's wait status when it exits
     */
    public CompletableFuture<Integer> exec(Path program, List<String> argv, List<String> env, String cwd, int[] stdio) {
        ExecRequest req = new ExecRequest(Launch.start(program, argv, env, cwd, stdio, notified, mmapFragment()), argv,
                new CompletableFuture<>());
        pendingExecs.add(req);
        if (!ring()) {
            pendingExecs.remove(req);
            req.result().completeExceptionally(new SentryException("the workload has no process left to run it in"));
        }
        return req.result();
    }

    private record ExecRequest(Launch launch, List<String> argv, CompletableFuture<Integer> result) {}

    /** On the tracer thread: attaches to the commands {@link #exec} started. */
    private void attachExecs() {
        ExecRequest req;
        while ((req = pendingExecs.poll()) != null) {
            try {
                Launch.Child child = req.launch().awaitChild(self);
                int pid = child.first().tid();
                seize(pid, true);
                execRoots.put(pid, req.result());
                child.listener().allow(child.first().id());
                Thread.ofPlatform().daemon().name("seccheck-exec-notifier")
                        .start(new Notifier(child.listener(), syscalls, tasks, self, log));
            } catch (SentryException | LinuxException | RuntimeException e) {
                req.result().completeExceptionally(e);
            }
        }
    }

    private void loop() throws LinuxException {
        while (rootStatus == null || !tasks.isEmpty()) {
            WaitStatus st;
            try {
                st = wait.waitpid(-1, Wait.WALL | Wait.WNOTHREAD).orElseThrow();
            } catch (LinuxException e) {
                if (e.errno() == Errno.ECHILD) {
                    return;
                }
                throw e;
            }
            try {
                switch (st) {
                    case WaitStatus.Exited e -> gone(e.tid(), e.raw());
                    case WaitStatus.Signaled s -> gone(s.tid(), s.raw());
                    case WaitStatus.Stopped s -> {
                        if (s.event() == Ptrace.EVENT_EXEC && awaitingFirstExec.remove(s.tid())) {
                            installFilter(s.tid());
                        }
                        stopped(s);
                    }
                }
            } catch (LinuxException e) {
                if (e.errno() != Errno.ESRCH) {
                    throw e;
                }
                // The task was killed while stopped; its death is reported next.
            }
        }
    }

    private void stopped(WaitStatus.Stopped s) throws LinuxException {
        int tid = s.tid();
        switch (s.event()) {
            case Ptrace.EVENT_SECCOMP -> seccompStop(tid);
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> created(tid, s.event());
            case Ptrace.EVENT_EXEC -> executed(tid);
            case Ptrace.EVENT_EXIT -> exiting(tid);
            case Ptrace.EVENT_STOP -> eventStop(tid, s.signal());
            case 0 -> {
                if (s.syscallStop()) {
                    syscallExit(tid);
                } else {
                    signalStop(tid, s.signal());
                }
            }
            default -> resume(tid, 0);
        }
    }

    /** A signal-delivery stop: the doorbell of a runtime session change, or a signal to deliver. */
    private void signalStop(int tid, int signal) throws LinuxException {
        int deliver = signal;
        if (signal == SIGURG && doorbells.get() > 0) {
            doorbells.decrementAndGet();
            deliver = 0;
        }
        if (refilterRequested) {
            startRefilter(tid);
        }
        if (!pendingExecs.isEmpty()) {
            attachExecs();
        }
        injectIfNeeded(tid);
        resume(tid, deliver);
    }

    private void eventStop(int tid, int signal) throws LinuxException {
        if (tasks.get(tid) == null || awaitingFirstStop.remove(tid)) {
            if (tasks.get(tid) == null) {
                stoppedEarly.add(tid); // released once its creator's event registers it
                return;
            }
            resume(tid, 0);
            return;
        }
        boolean groupStop = signal == Signals.SIGSTOP || signal == Signals.SIGTSTP || signal == Signals.SIGTTIN
                || signal == Signals.SIGTTOU;
        if (groupStop) {
            ptrace.listen(tid);
        } else {
            injectIfNeeded(tid); // an interrupt stop, asked for to give the thread a new filter layer
            resume(tid, 0);
        }
    }

    private void created(int parentTid, int event) throws LinuxException {
        int child = (int) ptrace.eventMessage(parentTid);
        Task parent = tasks.getOrLoad(parentTid);
        long flags = switch (event) {
            case Ptrace.EVENT_FORK -> FORK_FLAGS;
            case Ptrace.EVENT_VFORK -> VFORK_FLAGS;
            default -> cloneFlags(parentTid);
        };
        long now = TaskTable.nowNs();
        boolean thread = (flags & CLONE_THREAD) != 0;
        Task t;
        if (parent == null) {
            t = tasks.getOrLoad(child);
        } else if (thread) {
            t = new Task(child, parent.tgid(), parent.parentTgid(), now, parent.groupStartNs(), parent.comm(),
                    parent.cwd(), parent.credentials(), parent.execSession());
        } else {
            int ppid = (flags & CLONE_PARENT) != 0 ? parent.parentTgid() : parent.tgid();
            t = new Task(child, child, ppid, now, now, parent.comm(), parent.cwd(), parent.credentials(), parent.execSession());
        }
        if (t != null) {
            tasks.put(t);
            if (needsLayer.contains(parentTid)) {
                needsLayer.add(child); // created before its parent got the layer: it did not inherit it
            }
            if (parent != null && lifecycle.clone(parent, t, flags) != 0) {
                Signals.kill(child, Signals.SIGKILL);
            }
        }
        if (stoppedEarly.remove(child)) {
            resume(child, 0);
        } else {
            awaitingFirstStop.add(child);
        }
        resume(parentTid, 0);
    }

    private long cloneFlags(int tid) throws LinuxException {
        ptrace.getRegs(tid, regs);
        if (regs.origRax() == SYS_CLONE3) {
            byte[] args = memory.read(tid, regs.arg(0), 8);
            return args.length == 8 ? java.nio.ByteBuffer.wrap(args).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        }
        return regs.origRax() == SYS_CLONE ? regs.arg(0) : 0;
    }

    private void executed(int tid) throws LinuxException {
        int former = (int) ptrace.eventMessage(tid);
        Task t = tasks.get(former);
        if (former != tid) {
            // A non-leader thread executed: it takes over the leader's tid and the other threads are gone.
            tasks.remove(former);
            SyscallEvent pending = inSyscall.remove(former);
            if (pending != null) {
                inSyscall.put(tid, pending);
            }
            syscalls.moved(former, tid);
            Task leader = tasks.get(tid);
            t = leader != null ? leader : t;
        }
        if (t == null) {
            t = tasks.getOrLoad(tid);
        }
        if (t != null) {
            t = new Task(tid, t.tgid(), t.parentTgid(), t.startNs(), t.groupStartNs(), ProcFiles.comm(tid), t.cwd(),
                    null, t.execSession());
            tasks.put(t);
            if (lifecycle.execve(t, access) != 0 || mmap.initial(t) != 0) {
                Signals.kill(tid, Signals.SIGKILL);
            }
        }
        resume(tid, 0);
    }

    private void exiting(int tid) throws LinuxException {
        int status = (int) ptrace.eventMessage(tid);
        Task t = tasks.get(tid);
        if (t != null) {
            lifecycle.taskExit(t, status);
        }
        resume(tid, 0);
    }

    private void gone(int tid, int raw) {
        needsLayer.remove(tid);
        Task t = tasks.remove(tid);
        inSyscall.remove(tid);
        syscalls.forget(tid);
        awaitingFirstStop.remove(tid);
        if (t != null && t.isLeader()) {
            lifecycle.exitNotifyParent(t, raw);
        }
        if (tid == rootPid) {
            rootStatus = raw;
        }
        CompletableFuture<Integer> exec = execRoots.remove(tid);
        if (exec != null) {
            exec.complete(raw);
        }
    }

    private void seccompStop(int tid) throws LinuxException {
        ptrace.getRegs(tid, regs);
        int nr = (int) regs.origRax();
        SyscallEvent ev = new SyscallEvent(tid, nr, regs.arg(0), regs.arg(1), regs.arg(2), regs.arg(3), regs.arg(4),
                regs.arg(5), false, 0);
        Task task = tasks.getOrLoad(tid);
        int verdict = task == null ? 0 : syscalls.fire(task, ev, access);
        if (verdict != 0) {
            if (verdict == PointState.KILL && task != null) {
                Signals.kill(task.tgid(), Signals.SIGKILL);
                verdict = Errno.EPERM;
            }
            regs.origRax(-1);
            regs.rax(-verdict);
            ptrace.setRegs(tid, regs);
            cont(tid, 0);
            return;
        }
        if (syscalls.wantsExit(nr)) {
            if (task != null) {
                syscalls.beforeExit(task, ev, access);
            }
            inSyscall.put(tid, ev);
            toSyscallExit(tid, 0);
        } else {
            cont(tid, 0);
        }
    }

    private void syscallExit(int tid) throws LinuxException {
        SyscallEvent enter = inSyscall.remove(tid);
        if (enter != null) {
            ptrace.getRegs(tid, regs);
            Task task = tasks.getOrLoad(tid);
            int nr = enter.sysno();
            if (task != null) {
                if (SyscallPoints.isCwdChanger(nr)) {
                    tasks.invalidateCwd(task.tgid());
                } else if (SyscallPoints.isCredentialChanger(nr)) {
                    tasks.invalidateCredentials(tid);
                }
                Task current = tasks.get(tid);
                SyscallEvent exit = new SyscallEvent(tid, nr, enter.arg1(), enter.arg2(), enter.arg3(), enter.arg4(),
                        enter.arg5(), enter.arg6(), true, regs.rax());
                int verdict = syscalls.fire(current != null ? current : task, exit, access);
                if (verdict == PointState.KILL) {
                    Signals.kill(task.tgid(), Signals.SIGKILL);
                }
            }
        }
        injectIfNeeded(tid);
        cont(tid, 0);
    }

    /** Resumes a task, keeping the pending syscall-exit stop if it is inside a traced syscall. */
    private void resume(int tid, int signal) throws LinuxException {
        if (inSyscall.containsKey(tid)) {
            toSyscallExit(tid, signal);
        } else {
            cont(tid, signal);
        }
    }

    private void cont(int tid, int signal) throws LinuxException {
        ptrace.cont(tid, signal);
        reinterruptIfNeeded(tid);
    }

    private void toSyscallExit(int tid, int signal) throws LinuxException {
        ptrace.syscall(tid, signal);
        reinterruptIfNeeded(tid);
    }

    /**
     * A thread still waiting for a filter layer was resumed from a stop where injecting is not
     * safe (or where an earlier interrupt had no effect): interrupt it again, so that its next
     * stop is one where it can be given the layer.
     */
    private void reinterruptIfNeeded(int tid) throws LinuxException {
        if (needsLayer.contains(tid)) {
            ptrace.interrupt(tid);
        }
    }

    /**
     * Asks the tracer, from any thread, to give the running workload the filter layer that the
     * syscall points enabled now need. The tracer thread is woken by a SIGURG sent to one of its
     * tracees, which it takes at the signal-delivery stop and does not deliver.
     */
    public void requestRefilter() {
        refilterRequested = true;
        ring();
    }

    /** Wakes the tracer thread with a SIGURG to one of its tracees; false when none is left. */
    private boolean ring() {
        for (int tid : tasks.tids()) {
            Task t = tasks.get(tid);
            if (t == null) {
                continue;
            }
            doorbells.incrementAndGet();
            try {
                dev.seccheck.linux.Syscalls.tgkill(t.tgid(), tid, SIGURG);
                return true;
            } catch (LinuxException e) {
                doorbells.decrementAndGet(); // gone: try another
            }
        }
        return false;
    }

    /**
     * Builds the layer for syscalls that now have points but no installed filter sends anywhere,
     * and interrupts every thread so each installs it at its next safe stop. Filters cannot be
     * removed: a layer stays after its session is deleted, its stops then fire nothing.
     */
    private void startRefilter(int stoppedTid) {
        refilterRequested = false;
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
        needsLayer.addAll(tasks.tids());
        for (int tid : tasks.tids()) {
            if (tid == stoppedTid) {
                continue;
            }
            try {
                ptrace.interrupt(tid);
            } catch (LinuxException e) {
                needsLayer.remove(tid); // gone
            }
        }
    }

    private void injectIfNeeded(int tid) {
        if (!needsLayer.remove(tid)) {
            return;
        }
        Task t = tasks.get(tid);
        if (t == null) {
            return;
        }
        try {
            new Injector(ptrace, wait, memory).installFilter(tid, t.tgid(), pendingLayer);
        } catch (LinuxException | RuntimeException e) {
            log.accept("cannot give task " + tid + " the new filter layer: " + e.getMessage());
        }
    }

    /**
     * At a launched process's first exec stop, before the program's first instruction: steps to the exit of
     * execve and injects the filter that sends syscalls with exit points to the tracer, if any.
     */
    private void installFilter(int pid) throws LinuxException {
        if (!SeccompFilter.uses(traced, FilterAction.TRACE)) {
            return;
        }
        ptrace.syscall(pid, 0);
        WaitStatus st = wait.waitpid(pid, Wait.WALL).orElseThrow();
        if (!(st instanceof WaitStatus.Stopped s) || !s.syscallStop()) {
            throw new IllegalStateException("expected the exit of execve in " + pid + ", got " + st);
        }
        new Injector(ptrace, wait, memory).installFilter(pid, pid, SeccompFilter.compile(traced));
    }

    private static WaitStatus decode(int tid, int raw) {
        int low = raw & 0x7f;
        if (low == 0) {
            return new WaitStatus.Exited(tid, raw, (raw >> 8) & 0xff);
        }
        return new WaitStatus.Signaled(tid, raw, low);
    }
}
