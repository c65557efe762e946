package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Landlock;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.linux.ThreadStarts;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * one with that ruleset on top. A task's domain passes to the tasks it creates
 * ({@link #inherit}) and through exec; a call of a task with a domain is then made on a thread of
 * seccheck's that is confined by the same rulesets in the same order ({@link #perform}), with the
 * program's credentials. The walk to the object stays on the thread that read the program's
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
    /**
     * The most rulesets seccheck holds for the program's domains, one descriptor each: 4,096, or a
     * quarter of seccheck's descriptors if that is fewer. Past it a new layer is refused (EAGAIN).
     * Without a bound, processes stacking layers filled seccheck's descriptor table, and every open
     * it made for any task of the run failed with EMFILE.
     */
    static final int MAX_RULESETS = Math.min(4096, openFilesLimit() / 4);
    /** How long a caller waits for a confined thread's call spinning before it sleeps. */
    private static final long SPIN_NS = 200_000;
    /** A confined thread beyond the busy ones ends after this long idle. */
    private static final long IDLE_SECONDS = 30;

    private final ConcurrentHashMap<Integer, Domain> byTid = new ConcurrentHashMap<>();
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
        this(log, LandlockDomains::take);
    }

    /** With the rulesets taken by {@code rulesets} (a test's from its own process, for tasks it makes up). */
    LandlockDomains(Consumer<String> log, RulesetSource rulesets) {
        this.log = log;
        this.source = rulesets;
    }

    /** seccheck's soft limit on open files (/proc/self/limits), or 16,384 if it cannot be read. */
    private static int openFilesLimit() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, Long.parseLong(soft));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // the default below
        }
        return 16_384;
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
     * seccheck cannot take otherwise is refused (EAGAIN), as is one past {@link #MAX_RULESETS}. The ruleset is
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
        Domain parent = byTid.get(tid);
        if (parent != null && parent.depth >= Landlock.MAX_LAYERS) {
            return OptionalInt.empty(); // the kernel refuses it (E2BIG)
        }
        if (Domain.HELD.get() >= MAX_RULESETS) {
            log.accept("refused landlock_restrict_self of task " + tid + " with EAGAIN: seccheck holds " + MAX_RULESETS
                    + " rulesets of the program's Landlock domains already (each takes one of seccheck's descriptors)");
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
        if (!ThreadStarts.tryStart(() -> attach(tid, new Domain(parent, ours, own, log)))) {
            PathCalls.close(ours);
            log.accept("refused landlock_restrict_self of task " + tid + " with EAGAIN: " + ThreadStarts.WHY
                    + " before the first Landlock domain's cleaner could start");
            return OptionalInt.of(Errno.EAGAIN);
        }
        any = true;
        return OptionalInt.empty();
    }

    /**
     * seccheck's copy of fd {@code fd} of task {@code tid}, or -errno. Taken from the thread's own
     * table (a thread pidfd, Linux 6.9), which is not its process's when it made one of its own
     * ({@code unshare(CLONE_FILES)}): taken from the leader's, the copy failed (or was another
     * file), nothing was recorded, and the thread's later opens, made by seccheck, left its
     * sandbox. Before Linux 6.9, from the process's.
     */
    private static int take(int tid, int tgid, int fd) {
        int pidfd = ThreadIds.openThread(tid);
        if (pidfd == -Errno.EINVAL) {
            return takeFromProcess(tgid, fd);
        }
        return pidfd < 0 ? pidfd : takeThrough(pidfd, fd);
    }

    /** seccheck's copy of fd {@code fd} of process {@code tgid}'s table (its first thread's), or -errno. */
    static int takeFromProcess(int tgid, int fd) {
        int pidfd;
        try {
            pidfd = Syscalls.pidfdOpen(tgid);
        } catch (LinuxException e) {
            return -e.errno();
        }
        return takeThrough(pidfd, fd);
    }

    /** pidfd_getfd of {@code fd} through {@code pidfd}, which it closes: seccheck's copy, or -errno. */
    private static int takeThrough(int pidfd, int fd) {
        try {
            return Syscalls.pidfdGetfd(pidfd, fd);
        } catch (LinuxException e) {
            return -e.errno();
        } finally {
            PathCalls.close(pidfd);
        }
    }

    /** Task {@code child} was created by {@code parent}: it starts in its creator's domain. */
    public void inherit(int parent, int child) {
        Domain d = any ? byTid.get(parent) : null;
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
        Domain d = byTid.remove(former);
        left(d != null ? byTid.put(tid, d) : byTid.remove(tid));
    }

    /** Task {@code tid} is gone. */
    public void gone(int tid) {
        if (any) {
            left(byTid.remove(tid));
        }
    }

    private void attach(int tid, Domain d) {
        d.tasks.incrementAndGet();
        left(byTid.put(tid, d));
    }

    /**
     * A task left domain {@code d} (null: none): once no task is in it, none can join it (only a
     * task of a domain creates one in it), so its threads end after the calls they are making.
     * A task's calls may still be in progress after it is gone; they are answered to no one.
     */
    private static void left(Domain d) {
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
        Domain caller = any ? byTid.get(tid) : null;
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
    private static boolean within(Domain outer, Domain inner) {
        for (Domain d = inner; d != null; d = d.parent) {
            if (d == outer) {
                return true;
            }
        }
        return false;
    }

    /** Tells, now and later, how many confined threads of task {@code tid}'s domain are alive (for tests). */
    IntSupplier threadsOf(int tid) {
        Domain d = byTid.get(tid);
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
        Domain d = any ? byTid.get(tid) : null;
        if (d == null) {
            return call.getAsLong();
        }
        FutureTask<Long> task = new FutureTask<>(() -> {
            long confined = Domain.CONFINED.get();
            if (confined < 0) {
                return (long) -Errno.EACCES;
            }
            try (Identity.Assumed _ = as.get()) {
                return call.getAsLong();
            }
        });
        try {
            if (!ThreadStarts.tryStart(() -> d.threads().execute(task))) {
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
        for (Domain d : byTid.values()) {
            d.shutdown();
        }
    }

    /**
     * One domain: the domain it was made in (null: none), seccheck's fd of the ruleset put on top,
     * and its confined threads, one per call in progress, made on first use.
     */
    private static final class Domain {
        /**
         * Closes a ruleset once no task, domain or thread refers to it any more. Its thread starts
         * with the first domain of a run, not in every run.
         */
        private static Cleaner rulesets;
        /** The rulesets held, in every run of this JVM: each is a descriptor of seccheck's. */
        static final AtomicInteger HELD = new AtomicInteger();
        /** Whether the calling confined thread was confined: 0, or the -errno that kept it from being. */
        static final ThreadLocal<Long> CONFINED = ThreadLocal.withInitial(() -> (long) -Errno.EPERM);

        final Domain parent;
        final int ruleset;
        final int depth;
        private final Consumer<String> log;
        private final Identity.Own own;
        /** How many tasks are in this domain. */
        final AtomicInteger tasks = new AtomicInteger();
        private ThreadPoolExecutor threads;
        private boolean ended;

        Domain(Domain parent, int ruleset, Identity.Own own, Consumer<String> log) {
            this.parent = parent;
            this.own = own;
            this.ruleset = ruleset;
            this.depth = parent == null ? 1 : parent.depth + 1;
            this.log = log;
            int fd = ruleset; // the action must not refer to this domain, or it would never be unreachable
            HELD.incrementAndGet();
            rulesets().register(this, () -> {
                PathCalls.close(fd);
                HELD.decrementAndGet();
            });
        }

        /** The cleaner of rulesets, its thread started on first use (and tried again if the kernel refused it). */
        private static synchronized Cleaner rulesets() {
            if (rulesets == null) {
                rulesets = Cleaner.create(Thread.ofPlatform().daemon().name("seccheck-landlock-cleaner").factory());
            }
            return rulesets;
        }

        synchronized ThreadPoolExecutor threads() {
            if (ended) {
                throw new RejectedExecutionException("no task is left in the domain");
            }
            if (threads == null) {
                ThreadFactory named = Thread.ofPlatform().daemon().name("seccheck-landlock-", 0).factory();
                threads = new ThreadPoolExecutor(0, Emulator.MAX_WAITING, IDLE_SECONDS, TimeUnit.SECONDS,
                        new SynchronousQueue<>(), r -> named.newThread(() -> {
                            CONFINED.set(confine());
                            r.run();
                        }));
            }
            return threads;
        }

        /** Ends the threads once their calls are made; a call made after that is refused (EAGAIN). */
        synchronized void shutdown() {
            ended = true;
            if (threads != null) {
                threads.shutdown();
            }
        }

        synchronized int alive() {
            return threads == null ? 0 : threads.getPoolSize();
        }

        /**
         * Confines the calling thread as this domain: seccheck's credentials back (it was made by
         * a thread that had the program's), its own fs_struct (the program's umask is set on it),
         * no_new_privs, then every ruleset from the first the task was confined by. 0, or -errno
         * with a line.
         */
        private long confine() {
            own.reclaim();
            long r = ThreadCredentials.unshareFs();
            if (r == 0) {
                r = Landlock.noNewPrivs();
            }
            Deque<Domain> chain = new ArrayDeque<>();
            for (Domain d = this; d != null; d = d.parent) {
                chain.push(d);
            }
            for (Domain d : chain) {
                if (r == 0) {
                    r = Landlock.restrictSelf(d.ruleset);
                }
            }
            if (r < 0) {
                log.accept("could not confine a thread as a Landlock domain of the program ("
                        + Errno.name((int) -r) + "): the calls seccheck makes for its tasks fail with EACCES");
            }
            return r;
        }
    }
}
