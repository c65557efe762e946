package dev.seccheck.sentry.task;

import dev.seccheck.linux.Procfs;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * TaskTable maps each traced thread id to what is known of it. The tracer thread adds, replaces
 * and removes entries as ptrace events arrive; the notifier thread reads them (and may fill in a
 * task it meets before the tracer registered it, from /proc).
 */
public final class TaskTable {

    private final ConcurrentHashMap<Integer, Task> tasks;
    private final boolean execSession;
    /**
     * The threads in an exec call a sink decides on, not yet let run, each to its process
     * ({@link #execStarted}): one entry per exec in flight, so that the end of one (a sibling's
     * failed exec) leaves the others' shields up.
     */
    private final ConcurrentHashMap<Integer, Integer> executing;
    /** The processes that opened a task's comm for writing ({@link #namesWritable}). */
    private final Set<Integer> renaming;
    /** The callers of process_vm_readv and process_vm_writev an exec waits for ({@link #execStarted}). */
    private final MemoryReaders readers;

    /** @param execSession whether tasks first met through this table belong to an exec session */
    public TaskTable(boolean execSession) {
        this(new ConcurrentHashMap<>(), execSession, new ConcurrentHashMap<>(), ConcurrentHashMap.newKeySet(),
                new MemoryReaders());
    }

    private TaskTable(ConcurrentHashMap<Integer, Task> tasks, boolean execSession, ConcurrentHashMap<Integer, Integer> executing,
            Set<Integer> renaming, MemoryReaders readers) {
        this.tasks = tasks;
        this.execSession = execSession;
        this.executing = executing;
        this.renaming = renaming;
        this.readers = readers;
    }

    /**
     * Returns a view of the same tasks that marks a task it loads from /proc, whose process and
     * parent it does not know, with {@code execSession}: for the notifier of a {@code seccheck
     * exec} command, which meets only that command's tasks and may meet them first.
     */
    public TaskTable withExecSessionDefault(boolean execSession) {
        return new TaskTable(tasks, execSession, executing, renaming, readers);
    }

    /** Returns CLOCK_REALTIME now in nanoseconds, the clock of every time field. */
    public static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Returns the task, or null if unknown. */
    public Task get(int tid) {
        return tasks.get(tid);
    }

    /**
     * Thread {@code tid} of process {@code tgid} entered an exec call that a sink decides on (what
     * runs, or what may be read: the kernel maps the executed files into the program). From now
     * until that exec is decided ({@link #execDecided}, {@link #execEvent}), the new program's
     * memory, mapped before the decision and readable by the program's other processes
     * (process_vm_readv, /proc/PID/mem) while seccheck holds the task at its exec event, is out of
     * their reach: a parent copied a binary a rule kept from being opened or run out of its child
     * held there, then ran the copy. Each exec in flight holds the shield of its own: before, one
     * mark per process was lifted by whichever exec of the process ended first, and a sibling
     * thread's failing execs in a loop opened the window again and again. Returns the tasks killed
     * because their process_vm_readv or process_vm_writev aimed at the process did not leave the
     * call in time ({@link MemoryReaders}), for a line each.
     */
    public List<Integer> execStarted(int tid, int tgid) {
        executing.put(tid, tgid);
        return readers.awaitNoneAt(tgid, pid -> {
            Task t = tasks.get(pid);
            return t == null ? -1 : t.tgid();
        });
    }

    /**
     * Task {@code tid}'s held process_vm_readv or process_vm_writev names {@code pid}: recorded
     * before the call is decided, so that an exec of that process starting meanwhile waits for it,
     * or kills it ({@link MemoryReaders}). {@code waiting} tells whether the caller still waits in
     * the held call (its notification is still pending): a caller that ended meanwhile is not
     * recorded, for its number may be another's already. Not a task of a {@code seccheck exec}
     * command: the operator's tasks reach a shielded process anyway ({@link #shieldedFrom}).
     */
    public void readingMemory(int tid, int pid, BooleanSupplier waiting) {
        if (!inExecSession(tid)) {
            readers.calling(tid, pid, waiting);
        }
    }

    /**
     * The exec call of thread {@code tid} is over: it failed or was refused, or its new program
     * was let run, or the thread is gone. The other execs of its process keep their shields.
     */
    public void execDecided(int tid) {
        executing.remove(tid);
    }

    /**
     * Thread {@code tid} of process {@code tgid} is at its exec event: the kernel killed every
     * other thread of the process on the way (their exec calls, if any, are over: only one exec
     * of a process replaces it), and a non-leader that executed took the leader's number, which is
     * {@code tid} now. Every exec of the process is forgotten but this one, which is kept under
     * {@code tid} when {@code undecided} (decided later, or killed and shielded until it is gone).
     * That one is kept before the others go: the notifier looks at the shield meanwhile, and a
     * moment with none at all let a parent read the new program (1 of 300 rounds of
     * {@code ExecShieldTest} on a loaded machine).
     */
    public void execEvent(int tid, int tgid, boolean undecided) {
        if (undecided) {
            executing.put(tid, tgid);
        }
        executing.entrySet().removeIf(e -> e.getValue() == tgid && !(undecided && e.getKey() == tid));
    }

    /**
     * Whether the task or process {@code tid} is out of the reach of the program's other tasks: a
     * task of a {@code seccheck exec} command (the operator's), or one whose exec is not decided
     * yet: any exec of its process in flight ({@link #execStarted}).
     */
    public boolean shielded(int tid) {
        if (inExecSession(tid)) {
            return true;
        }
        if (executing.isEmpty()) {
            return false;
        }
        // A thread in its exec, a process one of whose threads is (tid a tgid), or a thread of one.
        Task t = tasks.get(tid);
        return executing.containsKey(tid) || executing.containsValue(tid)
                || t != null && executing.containsValue(t.tgid());
    }

    /**
     * Whether task or process {@code target} is out of the reach of task {@code caller}, both of
     * the run ({@link dev.seccheck.sentry.defense.Shielded}): a task of a {@code seccheck exec}
     * command from a task of none; a process with an exec undecided ({@link #shielded}) from any
     * task of another process that is of no {@code seccheck exec} command, whatever its own
     * process is doing. Before, a caller whose own process was in an exec passed for shielded
     * alike and reached the other: a parent with a thread making failing execs in a loop read its
     * child's new program (52 rounds of 300).
     */
    public boolean shieldedFrom(int target, int caller) {
        boolean operators = inExecSession(caller);
        if (inExecSession(target)) {
            return !operators;
        }
        if (operators || executing.isEmpty() || !shielded(target)) {
            return false;
        }
        Task t = tasks.get(target);
        Task c = tasks.get(caller);
        return (t != null ? t.tgid() : target) != (c != null ? c.tgid() : caller);
    }

    /** Returns whether {@code tid} is a task of a {@code seccheck exec} command (false when unknown). */
    public boolean inExecSession(int tid) {
        Task t = tasks.get(tid);
        return t != null && t.execSession();
    }

    /**
     * Returns the task, reading it from /proc if the tracer has not registered it yet (or null if
     * gone). A loaded task belongs to an exec session as its thread group leader does, else as its
     * parent process does, else as this table's default says.
     */
    public Task getOrLoad(int tid) {
        Task t = tasks.get(tid);
        if (t != null) {
            return t;
        }
        Procfs.Status st = Procfs.status(tid).orElse(null);
        if (st == null || st.tgid() < 0) {
            return null;
        }
        int[] ids = {st.tgid(), st.ppid()};
        Task leader = tasks.get(ids[0]);
        Task parent = tasks.get(ids[1]);
        boolean exec = leader != null ? leader.execSession() : parent != null ? parent.execSession() : execSession;
        long now = nowNs();
        Task loaded = new Task(tid, ids[0], leader != null ? leader.parentTgid() : ids[1], now,
                leader != null ? leader.groupStartNs() : now, Procfs.comm(tid), null, null, exec);
        Task raced = tasks.putIfAbsent(tid, loaded);
        return raced != null ? raced : loaded;
    }

    /** Adds or replaces a task. */
    public void put(Task t) {
        tasks.put(t.tid(), t);
    }

    /** Replaces a task only if it is still the given version (a concurrent refresh wins otherwise). */
    public void replace(Task old, Task updated) {
        tasks.replace(old.tid(), old, updated);
    }

    /**
     * Forgets a task: it ended (reaped), or its number is gone (a non-leader's exec took the
     * leader's). Its process_vm_readv or process_vm_writev is forgotten with it
     * ({@link MemoryReaders#gone}), before another task can be given the number.
     */
    public Task remove(int tid) {
        readers.gone(tid);
        return tasks.remove(tid);
    }

    /** Returns whether no task is left. */
    public boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** Returns the live thread ids. */
    public Collection<Integer> tids() {
        return Set.copyOf(tasks.keySet());
    }

    /** Returns every live task. */
    public Collection<Task> all() {
        return List.copyOf(tasks.values());
    }

    /** Returns the live thread group ids (processes), sorted. */
    public Collection<Integer> tgids() {
        Set<Integer> out = new TreeSet<>();
        tasks.values().forEach(t -> out.add(t.tgid()));
        return out;
    }

    /** Returns the other threads of a thread group. */
    public Collection<Task> threadsOf(int tgid) {
        return tasks.values().stream().filter(t -> t.tgid() == tgid).toList();
    }

    /**
     * Reads the name of every live task whose name was not read (its exec came while no point was
     * enabled): from any thread, before the points of a new session are published, so that their
     * context carries names without a /proc read each, and the name of a task that ends before a
     * point needs it (sentry/exit_notify_parent fires after the reap) is still known.
     */
    public void fillNames() {
        for (Task t : tasks.values()) {
            if (t.knownComm() == null) {
                String name = Procfs.comm(t.tid());
                tasks.computeIfPresent(t.tid(), (k, v) -> v == t ? v.withComm(name) : v); // not a newer exec's
            }
        }
    }

    /**
     * Process {@code goneTgid} is gone: the kernel gave each of its children another parent (the
     * nearest subreaper among its ancestors, else the reaper outside the run), which is read from
     * /proc now. Before, a child kept naming the dead process as its parent in every later point
     * (and {@code PipePeers} looked for its siblings among that process's children). A parent
     * outside the run is 0, as the run's first program's is.
     */
    public void reparent(int goneTgid) {
        for (Task t : tasks.values()) {
            if (t.parentTgid() != goneTgid) {
                continue;
            }
            Procfs.Status st = Procfs.status(t.tid()).orElse(null);
            if (st == null) {
                continue; // gone too: its exit is on its way
            }
            int parent = st.ppid() > 0 && tasks.containsKey(st.ppid()) ? st.ppid() : 0;
            tasks.computeIfPresent(t.tid(), (k, v) -> v.parentTgid() == goneTgid ? v.withParentTgid(parent) : v);
        }
    }

    /** The thread renamed itself ({@code prctl(PR_SET_NAME)}): its name is read again now. */
    public void renamed(int tid) {
        String name = Procfs.comm(tid);
        tasks.computeIfPresent(tid, (k, v) -> v.withComm(name));
    }

    /**
     * Process {@code tgid} opened a task's {@code comm} in /proc for writing (where seccheck
     * performs opens): a write there renames a thread of the process (the kernel refuses any
     * other's) without a call seccheck stops at, so from now on the names of its threads are read
     * at every point ({@link #name}). Before, every later point kept the name of the exec.
     */
    public void namesWritable(int tgid) {
        renaming.add(tgid);
    }

    /**
     * As {@link #namesWritable}, for the process of task {@code tid}, whose comm was opened: the
     * opener may hand the fd to a thread of that process (a shared fd table, SCM_RIGHTS), and a
     * write by such a thread renames it. Nothing for a task not in the run.
     */
    public void namesWritableOfTask(int tid) {
        Task t = tasks.get(tid);
        if (t != null) {
            renaming.add(t.tgid());
        }
    }

    /**
     * The name of {@code task} for a point: as kept, or read now from /proc when its process may
     * have renamed it by a write ({@link #namesWritable}); as kept once the thread is gone.
     */
    public String name(Task task) {
        if (renaming.isEmpty() || !renaming.contains(task.tgid())) {
            return task.comm();
        }
        String now = Procfs.comm(task.tid());
        return now.isEmpty() ? task.comm() : now;
    }

    /** Marks the credentials of one thread stale. */
    public void invalidateCredentials(int tid) {
        tasks.computeIfPresent(tid, (k, v) -> v.withCredentials(null));
    }
}
