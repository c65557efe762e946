package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Landlock;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.linux.ThreadStarts;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * LandlockDomains keeps the calls seccheck performs for a program inside the program's own
 * Landlock sandbox. A program may confine a thread of its own (landlock_restrict_self): from
 * then on the kernel checks that thread's opens, creations, links, renames, truncates and TCP
 * binds and connects against its rulesets. Made by seccheck, whose threads have no domain, those
 * calls would be checked against none, and the program would walk out of the sandbox it chose
 * (a document viewer confining itself before it parses a file, a service dropping what it does
 * not need). So every landlock_restrict_self is held for the notifier, which, before letting it
 * go on, takes the ruleset ({@code pidfd_getfd}) and records the caller's new domain: its former
 * one with that ruleset on top, as it is at that moment (a thread of seccheck's is confined so
 * then, {@link LandlockDomain}; rules added to the ruleset later are in neither). A task's domain
 * passes to the tasks it creates ({@link #inherit}) and through exec; a call of a task with a
 * domain is then made on a thread of seccheck's that has the same domain's rulesets in the same
 * order ({@link #perform}), with the program's credentials. The walk to the object stays on the thread that read the program's
 * memory and /proc (O_PATH opens, which Landlock does not check): Landlock refuses a confined
 * thread access to tasks outside its domain, the program's included.
 */
public final class LandlockDomains implements AutoCloseable {

    /** landlock_restrict_self's flags up to ABI 7, which change what is logged, not what is allowed. */
    private static final long KNOWN_FLAGS = 0x7;
    /**
     * The files of /proc/PID/ (and /proc/PID/task/TID/) whose open asks for ptrace access to that
     * task (the kernel's proc_mem_open).
     */
    private static final Set<String> PTRACE_GATED =
            Set.of("mem", "environ", "auxv", "maps", "smaps", "smaps_rollup", "numa_maps", "pagemap");
    /** How long a caller waits for a confined thread's call spinning before it sleeps. */
    private static final long SPIN_NS = 200_000;

    private final ConcurrentHashMap<Integer, LandlockDomain> byTid = new ConcurrentHashMap<>();
    private final Consumer<String> log;
    /** seccheck's credentials, which a confined thread takes first (it is made by a thread that has a program's). */
    private final Identity.Own own = Identity.Own.current();
    /** Set once any task has a domain: until then {@link #perform} looks nothing up. */
    private volatile boolean any;

    /** Takes a copy of a task's descriptor: seccheck's fd, or -errno. */
    @FunctionalInterface
    interface RulesetSource {
        int take(int tid, int tgid, int fd);
    }

    private final RulesetSource source;

    /** @param log where a confined thread that could not be made is said */
    public LandlockDomains(Consumer<String> log) {
        // From the thread's own table: taken from the leader's when the thread made one of its own
        // (unshare(CLONE_FILES)), the copy failed (or was another file), nothing was recorded, and
        // the thread's later opens, made by seccheck, left its sandbox.
        this(log, ThreadIds::copyFd);
    }

    /** With the rulesets taken by {@code rulesets} (a test's from its own process, for tasks it makes up). */
    LandlockDomains(Consumer<String> log, RulesetSource rulesets) {
        this.log = log;
        this.source = rulesets;
    }

    /** Whether syscall {@code nr} must be held for {@link #restricting}. */
    public static boolean held(int nr) {
        return nr == Sysno.LANDLOCK_RESTRICT_SELF;
    }

    /**
     * Task {@code tid} of process {@code tgid} called {@code landlock_restrict_self(ruleset,
     * flags)}, held before it goes on: records its new domain. Returns the errno to refuse the
     * call with, or empty to let it go on. Flags past ABI 7's are refused with EINVAL, as a kernel
     * of that ABI refuses them: one of them could confine the caller's other threads too
     * (LANDLOCK_RESTRICT_SELF_TSYNC), which this record would not follow. A call the kernel will
     * refuse anyway (no such fd, not a ruleset, too many layers) records nothing; one whose ruleset
     * seccheck cannot take otherwise is refused (EAGAIN), as is one past {@link LandlockDomain#MAX}. The ruleset is
     * taken from the fd number the program passed: should another thread put another ruleset
     * there before the kernel looks, the record is of the first (a thread that could do that is
     * not confined itself, so it gains nothing by it).
     */
    public OptionalInt restricting(int tid, int tgid, long ruleset, long flags) {
        if ((flags & ~KNOWN_FLAGS) != 0) {
            return OptionalInt.of(Errno.EINVAL);
        }
        int fd = (int) ruleset;
        if (fd == -1) {
            return OptionalInt.empty(); // logging flags alone (LOG_SUBDOMAINS_OFF): no new layer
        }
        LandlockDomain parent = byTid.get(tid);
        if (parent != null && parent.depth >= Landlock.MAX_LAYERS) {
            return OptionalInt.empty(); // the kernel refuses it (E2BIG)
        }
        if (LandlockDomain.ALIVE.get() >= LandlockDomain.MAX) {
            log.accept("refused landlock_restrict_self of task " + tid + " with EAGAIN: seccheck keeps " + LandlockDomain.MAX
                    + " Landlock domains of the program already (each keeps one of seccheck's threads)");
            return OptionalInt.of(Errno.EAGAIN);
        }
        int ours = source.take(tid, tgid, fd);
        if (ours == -Errno.EBADF) {
            return OptionalInt.empty(); // the kernel refuses it (EBADF)
        }
        if (ours < 0) {
            // Let go, the call would confine the task while seccheck makes its calls unconfined.
            log.accept("refused landlock_restrict_self of task " + tid + " with EAGAIN: seccheck could not take its"
                    + " ruleset (" + Errno.name(-ours) + "), and would make its calls out of the sandbox");
            return OptionalInt.of(Errno.EAGAIN);
        }
        if (!Procfs.link(ProcessHandle.current().pid(), "fd/" + ours).map(Landlock.RULESET_LINK::equals).orElse(false)) {
            PathCalls.close(ours);
            return OptionalInt.empty(); // not a ruleset: the kernel refuses it (EBADFD)
        }
        // Confined now, while the program's restrict is held: a rule the program adds to the
        // ruleset afterwards is not in its domain, nor in seccheck's (LandlockDomain).
        LandlockDomain d = LandlockDomain.made(parent, ours, own, log);
        PathCalls.close(ours);
        if (d == null) {
            log.accept("refused landlock_restrict_self of task " + tid + " with EAGAIN: " + ThreadStarts.WHY
                    + ", or seccheck keeps " + LandlockDomain.MAX + " Landlock domains of the program already");
            return OptionalInt.of(Errno.EAGAIN);
        }
        attach(tid, d);
        any = true;
        return OptionalInt.empty();
    }

    /** Task {@code child} was created by {@code parent}: it starts in its creator's domain. */
    public void inherit(int parent, int child) {
        LandlockDomain d = any ? byTid.get(parent) : null;
        if (d != null) {
            attach(child, d);
        } else if (any) {
            left(byTid.remove(child));
        }
    }

    /** A thread that executed took over its leader's tid {@code tid}: the domain goes with it. */
    public void moved(int former, int tid) {
        if (!any) {
            return;
        }
        LandlockDomain d = byTid.remove(former);
        left(d != null ? byTid.put(tid, d) : byTid.remove(tid));
    }

    /** Task {@code tid} is gone. */
    public void gone(int tid) {
        if (any) {
            left(byTid.remove(tid));
        }
    }

    private void attach(int tid, LandlockDomain d) {
        d.tasks.incrementAndGet();
        left(byTid.put(tid, d));
    }

    /**
     * A task left domain {@code d} (null: none): once no task is in it, none can join it (only a
     * task of a domain creates one in it), so its threads end after the calls they are making.
     * A task's calls may still be in progress after it is gone; they are answered to no one.
     */
    private static void left(LandlockDomain d) {
        if (d != null && d.tasks.decrementAndGet() == 0) {
            d.shutdown();
        }
    }

    /**
     * For an open by confined task {@code tid} (of process {@code tgid}) that its confined thread
     * failed with EACCES, of the object whose real path is {@code real}: when that is a file of a
     * task's /proc entry whose open asks for ptrace access to the task ({@link #PTRACE_GATED}:
     * maps, mem, environ...) and the program's domain lets it look at that task, returns a file of
     * the confined thread's own /proc entry that anyone may open with access {@code accmode}
     * (O_RDONLY: its stat; else attr/current, mode 0666: seccheck's own entry belongs to root, as
     * it is not dumpable): a confined open of it tells the task's file rules on /proc, and if
     * they allow it the open is made unconfined, with the program's credentials (which make the
     * kernel's other checks). Empty otherwise: the EACCES stands.
     *
     * <p>Landlock lets a confined thread look at a task only when the task is in the thread's
     * domain or one nested in it. seccheck's confined thread is in a domain of the same rules but
     * not the same one, so its open of such a file fails for every task of the program, where the
     * program natively reads its own /proc/self/maps (glibc does, for a thread's stack). So the two
     * checks are made apart: which tasks the program may look at, from the recorded domains (its
     * own process always, as the kernel does; another task only in the caller's domain or one
     * nested in it), and its file rules, on a stand-in under the same /proc. A rule given for
     * /proc/PID itself (the program's /proc/self) or for the file alone does not cover the
     * stand-in: such an open then fails (stricter than natively, never looser). A rule that
     * refuses writing beneath /proc holds: a program that keeps its own code from being written
     * (W^X) by refusing /proc/self/mem keeps it so.
     */
    Optional<String> procfsStandIn(int tid, int tgid, String real, int accmode) {
        LandlockDomain caller = any ? byTid.get(tid) : null;
        if (caller == null || !real.startsWith("/proc/")) {
            return Optional.empty();
        }
        String[] parts = real.substring("/proc/".length()).split("/");
        boolean ofProcess = parts.length == 2;
        boolean ofThread = parts.length == 4 && parts[1].equals("task");
        if (!(ofProcess || ofThread) || !PTRACE_GATED.contains(parts[parts.length - 1])) {
            return Optional.empty();
        }
        int pid;
        int target;
        try {
            pid = Integer.parseInt(parts[0]);
            target = ofThread ? Integer.parseInt(parts[2]) : pid;
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (pid != tgid && !within(caller, byTid.get(target))) {
            return Optional.empty(); // Landlock refuses it natively too
        }
        return Optional.of(accmode == 0 ? "/proc/thread-self/stat" : "/proc/thread-self/attr/current");
    }

    /** Whether domain {@code inner} (null: none) is {@code outer} or nested in it (Landlock's rule for looking at a task). */
    private static boolean within(LandlockDomain outer, LandlockDomain inner) {
        for (LandlockDomain d = inner; d != null; d = d.parent) {
            if (d == outer) {
                return true;
            }
        }
        return false;
    }

    /** Tells, now and later, how many confined threads of task {@code tid}'s domain are alive (for tests). */
    IntSupplier threadsOf(int tid) {
        LandlockDomain d = byTid.get(tid);
        return d == null ? () -> 0 : d::alive;
    }

    /** Whether task {@code tid} has a Landlock domain. */
    boolean confines(int tid) {
        return any && byTid.containsKey(tid);
    }

    /**
     * Makes {@code call} for task {@code tid}: right here when it has no domain (the calling
     * thread has assumed its identity already); otherwise on a thread confined by its domain,
     * which assumes its identity with {@code as} first, while this thread waits. A call that
     * cannot be made confined fails with EACCES (and a line), never unconfined.
     */
    long perform(int tid, Supplier<Identity.Assumed> as, LongSupplier call) {
        LandlockDomain d = any ? byTid.get(tid) : null;
        if (d == null) {
            return call.getAsLong();
        }
        if (d.confined < 0) {
            return -Errno.EACCES; // said when the domain was made
        }
        FutureTask<Long> task = new FutureTask<>(() -> {
            long confined = LandlockDomain.CONFINED.get();
            if (confined < 0) {
                return (long) -Errno.EACCES;
            }
            try (Identity.Assumed _ = as.get()) {
                return call.getAsLong();
            }
        });
        try {
            if (!ThreadStarts.tryStart(() -> d.execute(task))) {
                log.accept("refused a call of task " + tid + " with EAGAIN: the threads of its Landlock domain are"
                        + " all busy and " + ThreadStarts.WHY);
                return -Errno.EAGAIN;
            }
        } catch (RejectedExecutionException e) {
            log.accept("refused a call of task " + tid + " with EAGAIN: the threads of its Landlock domain"
                    + " are all busy, or the domain has no task left");
            return -Errno.EAGAIN;
        }
        // Most calls take tens of microseconds: waiting for them spinning spares this thread's
        // wake-up, which costs as much on many VMs (bench/landlock.sh: 192 -> 152 us an open).
        long spinUntil = System.nanoTime() + SPIN_NS;
        while (!task.isDone() && System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
        }
        return Uninterruptibly.get(task);
    }

    /**
     * {@link #perform} for a call whose result is an int (an fd, 0, or -errno), made as {@code who}:
     * the open, creation, truncate, link or rename a walk led to, where the kernel checks it as the
     * program's own.
     */
    int perform(int tid, Identity who, IntSupplier call) {
        return (int) perform(tid, () -> who.assume(own), (LongSupplier) call::getAsInt);
    }

    /** Ends the confined threads of the domains still recorded, once their calls are made. */
    @Override
    public void close() {
        for (LandlockDomain d : byTid.values()) {
            d.shutdown();
        }
    }
}
