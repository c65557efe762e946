package dev.seccheck.sentry.trace;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Signals;
import dev.seccheck.sentry.emulate.ExecutableMoves;
import dev.seccheck.sentry.emulate.ExecutedTasks;
import dev.seccheck.sentry.emulate.LandlockDomains;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.syscalls.ExecImage;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.sink.NameChange;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * TaskLifecycle keeps the task table in step with ptrace's events: attach, clone/fork/vfork,
 * exec, exit and the end of each thread, and the race of a new thread's first stop with its
 * creator's event (either may be reported first). It fires the lifecycle points on the way.
 * Tracer thread only.
 */
final class TaskLifecycle {

    /**
     * The ptrace options every tracee carries, whatever the points: the clone, fork and vfork events
     * attach each new task before its first instruction, so none escapes. Never the exit event
     * (PTRACE_O_TRACEEXIT): a thread would wait at its exit for seccheck to resume it, and one killed
     * while seccheck waits on it could not end (sentry/task_exit fires at the reap instead).
     */
    static final int BASE_OPTIONS = Ptrace.O_EXITKILL | Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACECLONE
            | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK | Ptrace.O_TRACEEXEC | Ptrace.O_TRACESECCOMP;
    /** The clone flags fork(2) and vfork(2) amount to (the kernel implements them as clones). */
    private static final long FORK_FLAGS = Signal.SIGCHLD;
    private static final long VFORK_FLAGS = CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK | Signal.SIGCHLD;
    /** CSIGNAL: the low byte of clone's flags, the signal the child sends its parent at exit. */
    private static final long EXIT_SIGNAL = 0xff;

    private final TaskTable tasks;
    /** The processes killed at their exec, shielded until they are gone ({@link TaskTable#execStarted}). */
    private final java.util.Set<Integer> killedAtExec = new java.util.HashSet<>();
    private final Tracees tracees;
    private final LifecyclePoints points;
    private final SyscallPoints syscalls;
    private final FilterLayers layers;
    private final ExecCalls execCalls;
    private final LandlockDomains landlock;
    private final ExecutedFiles executedFiles;
    /** The walks of exec calls' names made at their enters, which the files executed are checked against. */
    private final ExecNames execNames;
    private final Consumer<String> log;
    private final ProcessMemory memory = new ProcessMemory();
    private final Regs regs = new Regs();
    /** Buffers for the stat of an executed file (tracer thread). */
    private final PathCalls fileCalls = new PathCalls();
    /** Reads a new program's stack at its exec event: a reader of its own, so no page kept for a stop is reused. */
    private final TraceeAccess image = new TraceeAccess();

    /** New tasks whose creation event is known but whose first stop has not come. */
    private final Set<Integer> awaitingFirstStop = new HashSet<>();
    /** New tasks that stopped before their creator's event told us about them, and since when (nanoTime). */
    private final Map<Integer, Long> stoppedEarly = new HashMap<>();
    /**
     * How long a task may stay stopped before its creator's event while nothing else is pending
     * ({@link #endUnclaimed}): a creator still alive reports its event within microseconds of its
     * child's first stop, a loaded machine making that milliseconds.
     */
    static final long CREATOR_WAIT_NS = TimeUnit.SECONDS.toNanos(2);
    /**
     * Creations of tasks that took the number of a thread whose exec is not reported yet
     * ({@link #created}): each creator stays stopped at its event until then.
     */
    private final List<DeferredCreation> deferred = new ArrayList<>();
    /**
     * Processes whose first exec still has to get the filter of traced syscalls, each with the
     * flag its launch's notifier reads ({@link #launchOver}): set once it executed or ended.
     */
    private final Map<Integer, AtomicBoolean> awaitingFirstExec = new HashMap<>();

    TaskLifecycle(TaskTable tasks, Tracees tracees, LifecyclePoints points, SyscallPoints syscalls,
            FilterLayers layers, ExecCalls execCalls, LandlockDomains landlock, ExecutedFiles executedFiles,
            ExecNames execNames, Consumer<String> log) {
        this.tasks = tasks;
        this.execNames = execNames;
        this.executedFiles = executedFiles;
        this.log = log;
        this.landlock = landlock;
        this.tracees = tracees;
        this.points = points;
        this.syscalls = syscalls;
        this.layers = layers;
        this.execCalls = execCalls;
    }

    /**
     * Attaches to a launched process held before its execve, registers it, and marks its first exec for
     * the filter. It has no parent in the messages, as a sandbox's init and a {@code runsc exec}
     * process have none in gVisor's (the real parent is this JVM).
     */
    Task seize(int pid, boolean execSession) throws LinuxException {
        tracees.of(pid).seize();
        long now = TaskTable.nowNs();
        Task t = new Task(pid, pid, 0, now, now, name(pid), null, null, execSession);
        tasks.put(t);
        points.keepExitContext(t);
        awaitingFirstExec.put(pid, new AtomicBoolean());
        return t;
    }

    /**
     * For the notifier of the launch of {@code pid}, just {@linkplain #seize seized}: whether its
     * process has executed (the layer of traced syscalls installed) or ended, read from any
     * thread. Before, the notifier took a call of that pid for the launch's own while the task
     * table still held the entry the attach made; any other change of the entry (a cwd or
     * credentials kept for a point) made the launch's own calls pass for the program's, decided
     * and reported (its hold's open failed with EACCES as uid 65534, so the run never started).
     */
    BooleanSupplier launchOver(int pid) {
        AtomicBoolean over = awaitingFirstExec.get(pid);
        return over == null ? () -> true : over::get;
    }

    /**
     * The thread's name, read from /proc now, whatever the points: sentry/task_exit and
     * sentry/exit_notify_parent fire at the reap, when /proc has no name left to read, and a
     * session with them may be created a moment after an exec that no point wanted then.
     */
    private String name(int tid) {
        return Procfs.comm(tid);
    }

    /** Returns the Tracee of a thread, made if new. */
    Tracee tracee(int tid) {
        return tracees.of(tid);
    }

    /**
     * Returns whether the thread is a launched process that has not executed yet: its one
     * seccomp stop then is the launch's exec trap ({@link dev.seccheck.sentry.filter.ExecTrap}).
     */
    boolean beforeFirstExec(int tid) {
        return awaitingFirstExec.containsKey(tid);
    }

    /**
     * At an exec event stop: the first exec of a launched process gets the layer of traced
     * syscalls; returns whether it was that exec.
     */
    boolean beforeExec(Tracee t) throws LinuxException {
        AtomicBoolean over = awaitingFirstExec.remove(t.tid());
        if (over != null) {
            try {
                layers.installFirst(t); // its injected calls are still the launch's own
            } finally {
                over.set(true);
            }
            return true;
        }
        return false;
    }

    /** A PTRACE_EVENT_STOP: a new thread's first stop, a group stop, or an interrupt asked for. */
    void eventStop(Tracee t, int signal) throws LinuxException {
        int tid = t.tid();
        Task known = tasks.get(tid);
        if (known == null || !awaitingFirstStop.contains(tid) && numberTaken(known)) {
            stoppedEarly.put(tid, System.nanoTime()); // released once its creator's event registers it
            return;
        }
        if (awaitingFirstStop.remove(tid)) {
            t.resume(0);
            return;
        }
        if (isGroupStop(signal)) {
            t.listen();
        } else {
            layers.injectIfNeeded(t); // an interrupt stop, asked for to give the thread a new filter layer
            t.resume(0);
        }
    }

    /** Whether a PTRACE_EVENT_STOP with {@code signal} is a group stop (else an interrupt or a new task's first stop). */
    static boolean isGroupStop(int signal) {
        return signal == Signal.SIGSTOP || signal == Signal.SIGTSTP || signal == Signal.SIGTTIN || signal == Signal.SIGTTOU;
    }

    /**
     * Whether the number of {@code known}, a thread seccheck has not seen end, is now another
     * task's. A thread that executes while it is not its process's leader takes the leader's
     * number, and the kernel frees its own before the exec event tells seccheck so: a task made
     * meanwhile may get it (red-team round 23: a sibling process forking with the number steered
     * there, or walked round to it). Such a task is of another process than the thread was (the
     * exec ended every other thread of that one): its first stop must not be taken for the
     * thread's. Only a thread that is not a leader can lose its number so; its process is asked
     * of /proc then, at a group or interrupt stop.
     */
    private static boolean numberTaken(Task known) {
        if (known.isLeader()) {
            return false;
        }
        Optional<Procfs.Status> st = Procfs.status(known.tid());
        return st.isPresent() && st.get().tgid() != known.tgid();
    }

    /**
     * A creation whose creator waits at its event while the number it gave its child is still a
     * thread's whose exec is not reported ({@link #numberTaken}); since when (nanoTime).
     */
    private record DeferredCreation(Tracee creator, int event, int child, int formerProcess, long since) {}

    /**
     * A clone, fork or vfork event in {@code parentStop}: registers the child and fires sentry/clone.
     * A child given the number of a thread seccheck still knows (whose exec event has not come:
     * {@link #numberTaken}) is registered only once that event has moved the thread's state to its
     * new number, or the thread's process is gone: until then its creator waits at its event, and
     * the child at its first stop. Registered at once, it took over the thread's state: its
     * creator's Landlock domain replaced the exec's (a program left the domain it had confined
     * itself to), and its end dropped the exec's pending call (a program a kill rule forbids ran).
     */
    void created(Tracee parentStop, int event) throws LinuxException {
        int parentTid = parentStop.tid();
        int child = (int) parentStop.eventMessage();
        Task former = tasks.get(child);
        Task creator = tasks.get(parentTid);
        // A record of the child's own (read from /proc meanwhile) is of its process or its creator's;
        // the thread's that executed is of neither: its process's other threads were ended first.
        if (former != null && former.tgid() != child && (creator == null || former.tgid() != creator.tgid())) {
            if (Procfs.status(former.tgid()).isPresent()) {
                deferred.add(new DeferredCreation(parentStop, event, child, former.tgid(), System.nanoTime()));
                return;
            }
            forget(child); // its process is gone: no exec of it is to come, the record is a dead task's
        }
        // Before the child runs (it is resumed below, once registered): its first call may be one seccheck makes.
        landlock.inherit(parentTid, child);
        Task parent = tasks.getOrLoad(parentTid);
        if (parent != null) {
            points.keepForChildren(parent);
            Task kept = tasks.get(parentTid); // with the cwd and credentials just read
            parent = kept != null ? kept : parent;
        }
        long flags = cloneFlags(parentStop, event);
        long now = TaskTable.nowNs();
        boolean thread = (flags & CloneFlags.CLONE_THREAD) != 0;
        Task t;
        if (parent == null) {
            t = tasks.getOrLoad(child);
        } else if (thread) {
            t = new Task(child, parent.tgid(), parent.parentTgid(), now, parent.groupStartNs(), parent.knownComm(),
                    parent.cwd(), parent.credentials(), parent.execSession());
        } else {
            int ppid = (flags & CloneFlags.CLONE_PARENT) != 0 ? parent.parentTgid() : parent.tgid();
            t = new Task(child, child, ppid, now, now, parent.knownComm(), parent.cwd(), parent.credentials(),
                    parent.execSession());
        }
        if (t != null) {
            tasks.put(t);
            points.keepExitContext(t);
            layers.inherit(parentTid, child);
            if (parent != null && points.clone(parent, t, flags) != 0) {
                try {
                    Signals.kill(child, Signal.SIGKILL);
                } catch (LinuxException e) {
                    // gone already: nothing left to end
                }
            }
        }
        try {
            if (stoppedEarly.remove(child) != null) {
                tracees.of(child).resume(0);
            } else {
                awaitingFirstStop.add(child);
            }
        } catch (LinuxException e) {
            // The child is gone already (killed while stopped): its creator must go on all the same.
            // Before, the creator's resume was skipped and it stayed stopped for good.
            log.accept("could not resume new task " + child + " of task " + parentTid + ": " + e.getMessage());
        } finally {
            parentStop.resume(0);
        }
    }

    /**
     * Ends the tasks that stopped before their creator's event and whose creator is gone: the
     * kernel skips the event of a fork whose process was being killed, so no event will register
     * them. Each is released only by that event: it must not run before seccheck records what it
     * inherits (the filter layers a session added, the creator's Landlock domain), which only the
     * event tells. Such a task is ended (SIGKILL, with a line), never let run unrecorded. Natively
     * it would run on, reparented; here a program killed while forking loses the child it was
     * making. A task whose process or creating process (its parent, for a new process; its thread
     * group, for a thread) is still a task of the run waits on: that event may yet come. Before,
     * they stayed stopped until the run ended, and an entry left for a number a later task took
     * made that task's creation skip its creator's resume (the run never ended).
     */
    private void endOrphans() {
        for (int tid : List.copyOf(stoppedEarly.keySet())) {
            Optional<Procfs.Status> st = Procfs.status(tid);
            if (st.isEmpty()) {
                stoppedEarly.remove(tid);
                continue;
            }
            int tgid = st.get().tgid();
            boolean creatorAlive = tgid != tid ? !tasks.threadsOf(tgid).isEmpty() : tasks.get(st.get().ppid()) != null;
            if (!creatorAlive) {
                endUnrecorded(tid, "the process creating it was killed");
            }
        }
    }

    /** Whether a task waits for its creator's event ({@link #endUnclaimed} must then be called in time). */
    boolean awaitsCreators() {
        return !stoppedEarly.isEmpty() || !deferred.isEmpty();
    }

    /** When the oldest task waiting for its creator's event has waited {@link #CREATOR_WAIT_NS} (nanoTime). */
    long creatorsDeadline() {
        long oldest = Math.min(stoppedEarly.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE),
                deferred.stream().mapToLong(DeferredCreation::since).min().orElse(Long.MAX_VALUE));
        return oldest == Long.MAX_VALUE ? oldest : oldest + CREATOR_WAIT_NS;
    }

    /**
     * Ends the tasks that have waited {@link #CREATOR_WAIT_NS} for their creator's event: called
     * by the tracer with no stop pending, so no event is on its way. {@link #endOrphans} cannot
     * tell every creator: a process made with CLONE_PARENT has its creator's parent for a parent,
     * alive, and a fork of a thread that another thread's exec killed has the surviving process;
     * such a child, its creator killed while it cloned, stayed stopped for good, and the run never
     * ended (its parent waited for it).
     */
    void endUnclaimed() throws LinuxException {
        long now = System.nanoTime();
        for (DeferredCreation d : List.copyOf(deferred)) {
            if (now - d.since() >= CREATOR_WAIT_NS) {
                // No exec event came for the number, nor an end of its process: what seccheck kept
                // under it is no task's any more, as the kernel gave the number to the child.
                forget(d.child());
                registerDeferred(d.child());
            }
        }
        for (Map.Entry<Integer, Long> e : List.copyOf(stoppedEarly.entrySet())) {
            if (now - e.getValue() >= CREATOR_WAIT_NS) {
                endUnrecorded(e.getKey(), "no creator reported it (its creator was killed while creating it)");
            }
        }
    }

    /** Ends a task that stopped before any creator's event registered it (SIGKILL, with a line saying {@code why}). */
    private void endUnrecorded(int tid, String why) {
        stoppedEarly.remove(tid);
        log.accept("ended task " + tid + ": " + why + " before seccheck could record what it inherits (SIGKILL)");
        try {
            Signals.kill(tid, Signal.SIGKILL);
        } catch (LinuxException e) {
            // gone meanwhile
        }
    }

    /**
     * The flags of the call that made this event, as gVisor's sentry/clone reports them: read from
     * the call's arguments (glibc's fork is a clone with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID,
     * posix_spawn a clone with CLONE_VM|CLONE_VFORK) with the exit-signal byte cleared.
     */
    private long cloneFlags(Tracee t, int event) throws LinuxException {
        t.getRegs(regs);
        int nr = regs.syscallNr();
        long flags;
        if (nr == Sysno.CLONE3) {
            byte[] args = memory.read(t.tid(), regs.arg(0), 8);
            flags = args.length == 8 ? ByteBuffer.wrap(args).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        } else if (nr == Sysno.CLONE) {
            flags = regs.arg(0);
        } else if (nr == Sysno.VFORK || (nr != Sysno.FORK && event == Ptrace.EVENT_VFORK)) {
            flags = VFORK_FLAGS;
        } else if (nr == Sysno.FORK || event == Ptrace.EVENT_FORK) {
            flags = FORK_FLAGS;
        } else {
            flags = 0;
        }
        return flags & ~EXIT_SIGNAL;
    }

    /**
     * An exec event: refreshes the task (and takes over the leader's tid) and fires sentry/execve,
     * or leaves it for after the exit points of the exec call when they are to fire (gVisor's
     * order: Execve enter, Execve exit, ExecveInfo).
     *
     * @param former the tid that made the exec call, the exec event's message
     * @param launched whether it is a launched process's first exec, whose caller was seccheck's
     *     spawner (the run's start): its sentry/execve has the new program's context instead, so
     *     that seccheck's launch machinery never appears in the trail
     * @return the thread, still in its exec event stop, for {@link SyscallStops#executed} to resume
     */
    Tracee executed(Tracee stop, int former, boolean launched) throws LinuxException {
        int tid = stop.tid();
        // Before the new image runs: what the old threads had pending must not answer its calls.
        ExecutedTasks.executed(tid, former);
        ExecCalls.Pending call = execCalls.executed(former);
        Task t = tasks.get(former);
        if (former != tid) {
            // A non-leader thread executed: it takes over the leader's tid and the other threads are gone.
            tasks.remove(former);
            tracees.moved(former, tid);
            landlock.moved(former, tid);
            syscalls.moved(former, tid);
            Task leader = tasks.get(tid);
            t = leader != null ? leader : t;
        }
        if (t == null) {
            t = tasks.getOrLoad(tid);
        }
        if (t != null) {
            // The new image, when sentry/execve reads it, names the task too: no /proc read.
            ExecImage newImage = call != null && points.reportsExecs() ? imageOf(stop, call) : null;
            String name = newImage == null ? null : newImage.taskName().orElse(null);
            t = new Task(tid, t.tgid(), t.parentTgid(), t.startNs(), t.groupStartNs(), name != null ? name : name(tid),
                    t.cwd(), null, t.execSession());
            tasks.put(t);
            points.keepExitContext(t);
            if (launched && call != null) {
                call = call.calledBy(t);
            }
            if (newImage != null) {
                call = execCalls.imaged(call, tid, newImage);
            }
            boolean killed = false;
            call = lookAtTheFilesExecuted(t, former, call);
            if (call == KILLED) {
                killed = true;
                call = null;
            }
            if (call != null && tracees.of(tid).awaitsExit()) {
                execCalls.deferUntilExit(tid, call); // decided at the exit stop (afterExit)
                tasks.execEvent(tid, t.tgid(), true);
                return tracees.of(tid);
            }
            if (call != null) {
                killed = fireExecve(call, t);
            }
            if (killed) {
                killedAtExec.add(t.tgid()); // shielded until it is gone
            }
            tasks.execEvent(tid, t.tgid(), killed);
        } else {
            tasks.execDecided(former); // gone already: nothing of it runs
        }
        if (former != tid) {
            registerDeferred(former); // the number the thread left may be a new task's already
        }
        return tracees.of(tid);
    }

    /** Registers the deferred creations of children numbered {@code child} ({@link #created}), in order. */
    private void registerDeferred(int child) throws LinuxException {
        for (DeferredCreation d : List.copyOf(deferred)) {
            if (d.child() == child) {
                deferred.remove(d);
                created(d.creator(), d.event());
            }
        }
    }

    /**
     * Forgets what seccheck kept under the number of a thread that is no task's any more (its
     * process ended before its exec was reported), without a point: the process's end was
     * reported under its leader's number.
     */
    private void forget(int tid) {
        tasks.execDecided(tid);
        tasks.remove(tid);
        tracees.remove(tid);
        landlock.gone(tid);
        syscalls.forget(tid);
        execCalls.forget(tid);
        execNames.forget(tid);
    }

    /** What {@link #lookAtTheFilesExecuted} returns for a task it killed. */
    private static final ExecCalls.Pending KILLED = new ExecCalls.Pending(null, null, null, null, null, 0);

    /**
     * The files the kernel executed for task {@code t}'s new program ({@link ExecutedFiles}), when
     * a sink decides on opening files or on what runs, or the exec call's names were walked at its
     * enter by thread {@code former} ({@link ExecNames}) and it runs other files than the walk
     * reached ({@link ExecNames#runsWhatWasWalked}). The kernel mapped them into the program,
     * whose code can read every byte of them without an open: a rule that keeps a file from being
     * opened must keep it from being executed too, or the program executes it with a library of its
     * own preloaded and dumps the image (a key embedded in a binary). The same holds for the file
     * the kernel hands a binfmt_misc handler open (flag O, {@link ExecutedFiles#handedOpen}): the
     * handler reads it through that descriptor. Such a file, or one seccheck cannot name or check,
     * or one that is not what the walk at the enter reached and no name reaches
     * ({@link ExecNames#unreached}), kills the program before its first instruction. For a sink
     * deciding on what runs, {@code call} is returned holding the files, for sentry/execve.
     */
    private ExecCalls.Pending lookAtTheFilesExecuted(Task t, int former, ExecCalls.Pending call) {
        boolean names = syscalls.decidesNames();
        boolean runs = call != null && points.decidesExecs();
        // Where the files are looked at anyway, the walk is checked on them; else a cheap look first.
        if (!names && !runs && execNames.runsWhatWasWalked(t.tid(), former, executedFiles)) {
            return call;
        }
        ExecutedFiles.Executed binary = executedFiles.binary(t.tid());
        ExecutedFiles.Executed interpreter = executedFiles.interpreter(t.tid(), binary).orElse(null);
        String unreached = execNames.unreached(t.tid(), former, binary, interpreter);
        if (unreached != null) {
            killAtExec(t, unreached);
        }
        if (unreached != null || names && refuseKept(t, binary, interpreter)) {
            binary.close();
            if (interpreter != null) {
                interpreter.close();
            }
            if (call != null) {
                call.release();
            }
            return KILLED;
        }
        if (runs) {
            String why = movedInFlight(call.moves(), binary, interpreter);
            if (why != null) {
                killAtExec(t, why);
                binary.close();
                if (interpreter != null) {
                    interpreter.close();
                }
                call.release();
                return KILLED;
            }
            return call.withExecuted(binary, interpreter);
        }
        binary.close();
        if (interpreter != null) {
            interpreter.close();
        }
        return call;
    }

    /** {@link #refuseReadingKeptFiles} with the file the kernel handed the program open, if any. */
    private boolean refuseKept(Task t, ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter) {
        ExecutedFiles.Executed handed = executedFiles.handedOpen(t.tid()).orElse(null);
        try {
            return refuseReadingKeptFiles(t, binary, interpreter, handed);
        } finally {
            if (handed != null) {
                handed.close();
            }
        }
    }

    /**
     * Kills {@code t} when a sink deciding on opening files refuses it a file its exec mapped or
     * handed it open ({@code handed}, null when none), or cannot check one; returns whether it did.
     */
    private boolean refuseReadingKeptFiles(Task t, ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter,
            ExecutedFiles.Executed handed) {
        List<ExecutedFiles.Executed> given = new ArrayList<>(3);
        given.add(binary);
        if (interpreter != null) {
            given.add(interpreter);
        }
        if (handed != null) {
            given.add(handed);
        }
        for (ExecutedFiles.Executed e : given) {
            String why = switch (e) {
                case ExecutedFiles.Unknown u -> "a file it executed cannot be checked: " + u.why();
                case ExecutedFiles.Found f when f.named().isEmpty() -> "a file it executed is on a mount seccheck"
                        + " cannot name (one of the program's own mount namespace, or a detached one)";
                // Named as an open of it is: a file of the program's own tmpfs by the program's name,
                // which is sound here (it holds only what the program wrote through decided opens).
                case ExecutedFiles.Found f -> syscalls.refuses(NameChange.executed(t.tgid(), t.tid(), t.comm(),
                        f.named().get().path(), f.file())) ? "a rule on opening files denies it " + f.named().get().path()
                        : null;
            };
            if (why != null) {
                killAtExec(t, why + (e != handed ? " (the kernel maps what it executes into the program, which can then read it)"
                        : e instanceof ExecutedFiles.Found ? " (the kernel handed it the file open, as a"
                                + " binfmt_misc handler's AT_EXECFD, which it can then read)"
                        : " (the kernel may have handed it a file open, as a binfmt_misc handler's AT_EXECFD,"
                                + " which it could then read)"));
                return true;
            }
        }
        return false;
    }

    /**
     * Why the exec whose enter took {@code mark} ({@link ExecutableMoves#mark}) may not be decided
     * on the names its files have now: a rename out of a rule on what runs, made since, moved the
     * binary or its ELF interpreter (or one of the directories above, whose files it recorded), or
     * could not be told; null when none did. The kernel names the file by the name the exec used
     * as it is now, and a rename made after its open would have the exec decided on the new name.
     */
    private String movedInFlight(long mark, ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter) {
        ExecutableMoves moves = syscalls.executableMoves();
        for (ExecutedFiles.Executed e : interpreter == null ? List.of(binary) : List.of(binary, interpreter)) {
            if (e instanceof ExecutedFiles.Found f) {
                PathCalls.Stat st = fileCalls.fstat(f.fd());
                boolean gone = st == null || st.nlink() == 0 || f.named().map(RealPath.Name::unlinked).orElse(false);
                String why = moves.unsettled(mark, f.file().dev(), f.file().ino(), gone);
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    /** Kills task {@code t} at its exec event, before its first instruction, saying {@code why} in a line. */
    private void killAtExec(Task t, String why) {
        // A task already being killed (a parent's SIGKILL right after its fork and exec, as
        // subprocess's kill() does) often cannot be read at all: it dies either way, and no
        // line says that seccheck killed it.
        if (!beingKilled(t.tid())) {
            log.accept("killed task " + t.tid() + " (" + t.comm() + ") at its exec, before its first instruction: " + why);
        }
        try {
            Signals.kill(t.tid(), Signal.SIGKILL);
        } catch (LinuxException gone) {
            // Already gone: nothing runs.
        }
    }

    /** SIGKILL's bit in a /proc status signal mask. */
    private static final long SIGKILL_BIT = 1L << (Signal.SIGKILL - 1);

    /**
     * Whether task {@code tid} is gone, a zombie, or has SIGKILL pending (the kernel queues it to
     * every thread of a process being killed): its exec's check no longer matters.
     */
    private static boolean beingKilled(int tid) {
        Optional<Procfs.Status> status = Procfs.status(tid);
        if (status.isEmpty()) {
            return true;
        }
        Map<String, String> fields = status.get().fields();
        String state = fields.getOrDefault("State", "").trim();
        return state.startsWith("Z") || state.startsWith("X") || pending(fields.get("SigPnd")) || pending(fields.get("ShdPnd"));
    }

    private static boolean pending(String mask) {
        try {
            return mask != null && (Long.parseUnsignedLong(mask.trim(), 16) & SIGKILL_BIT) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * What the kernel gave the program that {@code stop} has just executed, read from its stack
     * before its first instruction. A program whose binary its user cannot read is not dumpable,
     * and its memory is closed to seccheck unprivileged: then argv comes from /proc/PID/cmdline
     * (readable by anyone, the same strings), and the environment and file name are those read at
     * the call's enter (README, "Security").
     */
    private ExecImage imageOf(Tracee stop, ExecCalls.Pending call) {
        try {
            stop.getRegs(regs);
            Optional<ExecImage> read = ExecImage.read(image.at(stop.tid()), regs.rsp());
            if (read.isPresent()) {
                return read.get();
            }
        } catch (LinuxException e) {
            // Gone or not stopped: what /proc still shows, below.
        }
        List<String> argv = Procfs.strings(stop.tid(), "cmdline");
        ExecArguments passed = call.args();
        return argv.isEmpty() ? new ExecImage(passed.argv(), passed.envv(), null, passed.argvCut(), passed.envCut())
                : new ExecImage(argv, passed.envv(), null, null, passed.envCut());
    }

    /**
     * The task whose context the exit points of a successful exec call in {@code tid} carry: the
     * caller as it was before the exec (gVisor fires them before the new program is loaded), or
     * null when {@code tid} made no such call.
     */
    Task execCaller(int tid) {
        return execCalls.deferredCaller(tid);
    }

    /**
     * After the exit points of syscall {@code nr} in {@code tid}: fires the sentry/execve its exec
     * event left for now; a failed exec call's entry is dropped.
     */
    void afterExit(int tid, int nr) throws LinuxException {
        if (!ExecArguments.isExec(nr)) {
            return;
        }
        ExecCalls.Pending call = execCalls.takeDeferred(tid);
        Task t = tasks.get(tid);
        if (call == null) {
            execCalls.executed(tid); // the call failed: no exec event will take it (or its task was killed there)
            if (!killedAtExec.contains(t != null ? t.tgid() : tid)) {
                tasks.execDecided(tid); // this exec only: a sibling's may still be in flight
            }
            return;
        }
        if (t != null) {
            if (fireExecve(call, t)) {
                killedAtExec.add(t.tgid());
            } else {
                tasks.execDecided(tid);
            }
        } else {
            call.release();
            tasks.execDecided(tid);
        }
    }

    /**
     * Fires sentry/execve for {@code call}, now run by {@code t}, killing it on a denial; releases
     * the call. Returns whether it killed it.
     */
    private boolean fireExecve(ExecCalls.Pending call, Task t) throws LinuxException {
        try {
            if (points.execve(call, t) != 0) {
                Signals.kill(t.tid(), Signal.SIGKILL);
                return true;
            }
            return false;
        } finally {
            call.release();
        }
    }

    /** The cwd or credentials of the threads of {@code task}'s process changed: sentry/task_exit's are taken again. */
    void contextChanged(Task task) {
        if (!points.keepsExitContext()) {
            return;
        }
        for (Task t : tasks.threadsOf(task.tgid())) {
            points.keepExitContext(t);
        }
    }

    /**
     * The thread is gone (reaped): forgets it, and fires sentry/task_exit with its wait status, and
     * sentry/exit_notify_parent for a process.
     */
    void gone(int tid, int raw) {
        tasks.execDecided(tid); // an exec can end by its thread's death
        killedAtExec.remove(tid);
        Task t = tasks.remove(tid);
        if (t != null && t.isLeader()) {
            tasks.reparent(t.tgid()); // the last of its threads: the kernel has given its children another parent
        }
        if (t != null) {
            points.taskExit(t, raw);
        }
        tracees.remove(tid);
        landlock.gone(tid);
        syscalls.forget(tid);
        execCalls.forget(tid);
        execNames.forget(tid);
        awaitingFirstStop.remove(tid);
        AtomicBoolean over = awaitingFirstExec.remove(tid); // a later task may get its number: it is no launch
        if (over != null) {
            over.set(true);
        }
        stoppedEarly.remove(tid);
        if (!stoppedEarly.isEmpty()) {
            endOrphans();
        }
        for (DeferredCreation d : List.copyOf(deferred)) {
            if (d.formerProcess() == tid) {
                // The thread's process ended, its exec never reported: the number is the child's.
                forget(d.child());
                try {
                    registerDeferred(d.child());
                } catch (LinuxException e) {
                    log.accept("could not register new task " + d.child() + " of task " + d.creator().tid() + ": "
                            + e.getMessage());
                }
            }
        }
        // gVisor tells of no exit of the sandbox's init, whose clone and exec it does not report
        // either: the program `seccheck run` started (no parent, not an exec session) is that init.
        if (t != null && t.isLeader() && (t.parentTgid() != 0 || t.execSession())) {
            points.exitNotifyParent(t, raw);
        }
    }
}
