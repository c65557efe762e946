package dev.seccheck.sentry.trace;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Signals;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * TaskLifecycle keeps the task table in step with ptrace's events: attach, clone/fork/vfork,
 * exec, exit and the end of each thread, and the race of a new thread's first stop with its
 * creator's event (either may be reported first). It fires the lifecycle points on the way.
 * Tracer thread only.
 */
final class TaskLifecycle {

    private static final int OPTIONS = Ptrace.O_EXITKILL | Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACECLONE
            | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACEEXEC | Ptrace.O_TRACEEXIT | Ptrace.O_TRACESECCOMP;
    /** The clone flags fork(2) and vfork(2) amount to, for sentry/clone. */
    private static final long FORK_FLAGS = Signal.SIGCHLD;
    private static final long VFORK_FLAGS = CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK | Signal.SIGCHLD;

    private final TaskTable tasks;
    private final Tracees tracees;
    private final LifecyclePoints points;
    private final MmapPoints mmap;
    private final SyscallPoints syscalls;
    private final FilterLayers layers;
    private final TraceeAccess access;
    private final int self;
    private final ProcessMemory memory = new ProcessMemory();
    private final Regs regs = new Regs();

    /** New tasks whose creation event is known but whose first stop has not come. */
    private final Set<Integer> awaitingFirstStop = new HashSet<>();
    /** New tasks that stopped before their creator's event told us about them. */
    private final Set<Integer> stoppedEarly = new HashSet<>();
    /** Processes whose first exec still has to get the filter of traced syscalls. */
    private final Set<Integer> awaitingFirstExec = new HashSet<>();

    /** @param self this JVM's pid, the parent of every process the tracer attaches to */
    TaskLifecycle(TaskTable tasks, Tracees tracees, LifecyclePoints points, MmapPoints mmap, SyscallPoints syscalls,
            FilterLayers layers, TraceeAccess access, int self) {
        this.tasks = tasks;
        this.tracees = tracees;
        this.points = points;
        this.mmap = mmap;
        this.syscalls = syscalls;
        this.layers = layers;
        this.access = access;
        this.self = self;
    }

    /** Attaches to a process held at its first syscall, registers it, and marks its first exec for the filter. */
    Task seize(int pid, boolean execSession) throws LinuxException {
        tracees.of(pid).seize(OPTIONS);
        long now = TaskTable.nowNs();
        Task t = new Task(pid, pid, self, now, now, Procfs.comm(pid), null, null, execSession);
        tasks.put(t);
        awaitingFirstExec.add(pid);
        return t;
    }

    /** At an exec event stop: the first exec of a launched process gets the layer of traced syscalls. */
    void beforeExec(Tracee t) throws LinuxException {
        if (awaitingFirstExec.remove(t.tid())) {
            layers.installFirst(t);
        }
    }

    /** A PTRACE_EVENT_STOP: a new thread's first stop, a group stop, or an interrupt asked for. */
    void eventStop(Tracee t, int signal) throws LinuxException {
        int tid = t.tid();
        if (tasks.get(tid) == null) {
            stoppedEarly.add(tid); // released once its creator's event registers it
            return;
        }
        if (awaitingFirstStop.remove(tid)) {
            t.resume(0);
            return;
        }
        boolean groupStop = signal == Signal.SIGSTOP || signal == Signal.SIGTSTP || signal == Signal.SIGTTIN
                || signal == Signal.SIGTTOU;
        if (groupStop) {
            t.listen();
        } else {
            layers.injectIfNeeded(t); // an interrupt stop, asked for to give the thread a new filter layer
            t.resume(0);
        }
    }

    /** A clone, fork or vfork event in {@code parentStop}: registers the child and fires sentry/clone. */
    void created(Tracee parentStop, int event) throws LinuxException {
        int parentTid = parentStop.tid();
        int child = (int) parentStop.eventMessage();
        Task parent = tasks.getOrLoad(parentTid);
        long flags = switch (event) {
            case Ptrace.EVENT_FORK -> FORK_FLAGS;
            case Ptrace.EVENT_VFORK -> VFORK_FLAGS;
            default -> cloneFlags(parentStop);
        };
        long now = TaskTable.nowNs();
        boolean thread = (flags & CloneFlags.CLONE_THREAD) != 0;
        Task t;
        if (parent == null) {
            t = tasks.getOrLoad(child);
        } else if (thread) {
            t = new Task(child, parent.tgid(), parent.parentTgid(), now, parent.groupStartNs(), parent.comm(),
                    parent.cwd(), parent.credentials(), parent.execSession());
        } else {
            int ppid = (flags & CloneFlags.CLONE_PARENT) != 0 ? parent.parentTgid() : parent.tgid();
            t = new Task(child, child, ppid, now, now, parent.comm(), parent.cwd(), parent.credentials(), parent.execSession());
        }
        if (t != null) {
            tasks.put(t);
            layers.inherit(parentTid, child);
            if (parent != null && points.clone(parent, t, flags) != 0) {
                Signals.kill(child, Signal.SIGKILL);
            }
        }
        if (stoppedEarly.remove(child)) {
            tracees.of(child).resume(0);
        } else {
            awaitingFirstStop.add(child);
        }
        parentStop.resume(0);
    }

    private long cloneFlags(Tracee t) throws LinuxException {
        t.getRegs(regs);
        if (regs.origRax() == Sysno.CLONE3) {
            byte[] args = memory.read(t.tid(), regs.arg(0), 8);
            return args.length == 8 ? ByteBuffer.wrap(args).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        }
        return regs.origRax() == Sysno.CLONE ? regs.arg(0) : 0;
    }

    /** An exec event: refreshes the task (and takes over the leader's tid) and fires sentry/execve and sentry/mmap. */
    void executed(Tracee stop) throws LinuxException {
        int tid = stop.tid();
        int former = (int) stop.eventMessage();
        Task t = tasks.get(former);
        if (former != tid) {
            // A non-leader thread executed: it takes over the leader's tid and the other threads are gone.
            tasks.remove(former);
            tracees.moved(former, tid);
            syscalls.moved(former, tid);
            Task leader = tasks.get(tid);
            t = leader != null ? leader : t;
        }
        if (t == null) {
            t = tasks.getOrLoad(tid);
        }
        if (t != null) {
            t = new Task(tid, t.tgid(), t.parentTgid(), t.startNs(), t.groupStartNs(), Procfs.comm(tid), t.cwd(),
                    null, t.execSession());
            tasks.put(t);
            if (points.execve(t, access) != 0 || mmap.initial(t) != 0) {
                Signals.kill(tid, Signal.SIGKILL);
            }
        }
        tracees.of(tid).resume(0);
    }

    /** The exit event, before the thread is gone: fires sentry/task_exit with its exit status. */
    void exiting(Tracee t) throws LinuxException {
        int status = (int) t.eventMessage();
        Task task = tasks.get(t.tid());
        if (task != null) {
            points.taskExit(task, status);
        }
        t.resume(0);
    }

    /** The thread is gone (reaped): forgets it, and fires sentry/exit_notify_parent for a process. */
    void gone(int tid, int raw) {
        Task t = tasks.remove(tid);
        tracees.remove(tid);
        syscalls.forget(tid);
        awaitingFirstStop.remove(tid);
        if (t != null && t.isLeader()) {
            points.exitNotifyParent(t, raw);
        }
    }
}
