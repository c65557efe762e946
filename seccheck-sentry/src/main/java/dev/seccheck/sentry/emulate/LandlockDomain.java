package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Landlock;
import dev.seccheck.linux.ThreadCredentials;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * LandlockDomain is one Landlock domain of the program as seccheck keeps it: the domain it was
 * made in (null: none), how many tasks are in it, and its threads. A domain is what its rulesets
 * held at the moment the program's landlock_restrict_self made it: rules a program adds to a
 * ruleset afterwards (landlock_add_rule on the same fd) change no domain made from it. seccheck's
 * copy of the ruleset is the same object, so a thread confined from it later took those rules
 * too, and a program widened the sandbox seccheck's calls kept to (it read a file its own
 * domain refused). So one thread of the domain, its origin, is confined while the program's
 * restrict is held, from its parent domain's origin (whose confinement it inherits) and the new
 * ruleset; the ruleset is then let go, and the domain's threads for calls are started by the
 * origin, whose confinement they inherit, as a thread inherits its creator's credentials.
 *
 * <p>Cost: one parked platform thread per domain that a task is in (a kernel task and its stacks,
 * about 50 KB resident), bounded by {@link #MAX}, and a thread start (tens of microseconds) per
 * restrict, and one hand-off to the origin per thread started for calls. Everything the domain
 * holds (its origin, its threads) ends when its last task leaves it ({@link #shutdown}): a
 * nested domain needs nothing of its parent's, which only tells which tasks it may look at.
 */
final class LandlockDomain {

    /**
     * The most domains with a task in them, each keeping its origin thread. Past it a new layer is
     * refused (EAGAIN): without a bound, processes stacking layers filled seccheck's descriptor
     * table (when it kept a ruleset each) and every open it made for any task of the run failed.
     */
    static final int MAX = 1024;
    /** The domains whose origin is alive (or starting), in every run of this JVM. */
    static final AtomicInteger ALIVE = new AtomicInteger();
    /** Whether the calling thread of a domain was confined: 0, or the -errno that kept it from being. */
    static final ThreadLocal<Long> CONFINED = ThreadLocal.withInitial(() -> (long) -Errno.EPERM);
    /** A thread for calls beyond the busy ones ends after this long idle. */
    private static final long IDLE_SECONDS = 10;
    private static final AtomicLong NAMES = new AtomicLong();

    final LandlockDomain parent;
    final int depth;
    /** How many tasks are in this domain. */
    final AtomicInteger tasks = new AtomicInteger();
    /** The confined thread that starts this domain's threads; null when it could not be confined. */
    private final Origin origin;
    /** 0, or the -errno that kept the origin from being confined (every call then fails with EACCES). */
    final long confined;
    private ThreadPoolExecutor threads;
    private boolean ended;

    private LandlockDomain(LandlockDomain parent, Origin origin, long confined) {
        this.parent = parent;
        this.depth = parent == null ? 1 : parent.depth + 1;
        this.origin = origin;
        this.confined = confined;
    }

    /**
     * Makes the domain {@code ruleset} (our fd, which the caller closes after) puts on top of
     * {@code parent} (null: none), confining its origin now; {@code own} is seccheck's identity,
     * which a first origin takes back (the notifier may hold a program's). Null when no thread
     * could be started for it, or past {@link #MAX}; a domain whose origin the kernel would not
     * confine is made, with {@link #confined} saying why, and a line.
     */
    static LandlockDomain made(LandlockDomain parent, int ruleset, Identity.Own own, Consumer<String> log) {
        if (ALIVE.incrementAndGet() > MAX) {
            ALIVE.decrementAndGet();
            return null;
        }
        Origin origin = new Origin();
        Thread thread = Thread.ofPlatform().daemon().name("seccheck-landlock-origin-" + NAMES.incrementAndGet())
                .unstarted(() -> origin.run(parent == null ? own : null, ruleset));
        boolean started;
        try {
            if (parent == null) {
                thread.start();
                started = true;
            } else {
                started = parent.origin != null && parent.origin.start(thread::start);
            }
        } catch (OutOfMemoryError e) {
            started = false;
            if (!dev.seccheck.linux.ThreadStarts.refused(e)) {
                ALIVE.decrementAndGet();
                throw e;
            }
        }
        if (!started) {
            ALIVE.decrementAndGet();
            return null;
        }
        long r = Uninterruptibly.get(origin.confined);
        if (r < 0) {
            log.accept("could not confine a thread as a Landlock domain of the program (" + Errno.name((int) -r)
                    + "): the calls seccheck makes for its tasks fail with EACCES");
            return new LandlockDomain(parent, null, r); // its origin ended, and with it its count
        }
        return new LandlockDomain(parent, origin, 0);
    }

    /**
     * Runs {@code call} on a thread of this domain: an idle one if one waits, else one the origin
     * starts (the pool's own thread start happens on the thread that hands it work, so the work
     * that may start one is handed to it on the origin). Throws RejectedExecutionException once no
     * task is left in the domain, and the kernel's refusal of a thread as an OutOfMemoryError.
     */
    void execute(Runnable call) {
        ThreadPoolExecutor pool = threads();
        if (pool.getQueue().offer(call)) {
            return; // an idle thread took it
        }
        if (!origin.start(() -> pool.execute(call))) {
            throw new RejectedExecutionException("no task is left in the domain");
        }
    }

    private synchronized ThreadPoolExecutor threads() {
        if (ended || origin == null) {
            throw new RejectedExecutionException("no task is left in the domain");
        }
        if (threads == null) {
            threads = new ThreadPoolExecutor(0, Emulator.MAX_WAITING, IDLE_SECONDS, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), LandlockDomain::thread);
        }
        return threads;
    }

    /** A thread for calls, made on the origin: it has the domain, and takes an fs_struct of its own. */
    private static Thread thread(Runnable r) {
        return Thread.ofPlatform().daemon().name("seccheck-landlock-" + NAMES.incrementAndGet()).unstarted(() -> {
            CONFINED.set(ThreadCredentials.unshareFs()); // the program's umask is set on it
            r.run();
        });
    }

    /** Ends the threads once their calls are made, and the origin; a call made after that is refused (EAGAIN). */
    synchronized void shutdown() {
        if (ended) {
            return;
        }
        ended = true;
        if (threads != null) {
            threads.shutdown();
        }
        if (origin != null) {
            origin.stop();
        }
    }

    /** How many threads for calls are alive (for tests). */
    synchronized int alive() {
        return threads == null ? 0 : threads.getPoolSize();
    }

    /**
     * The origin of a domain: a thread confined as the domain when it was made, which then starts
     * threads (what it is given to run) until it is stopped. A thread started by it inherits its
     * credentials, the Landlock domain among them.
     */
    private static final class Origin {
        private static final Runnable STOP = () -> {};
        /** 0 once confined, or -errno; the thread ends at once on an error. */
        final FutureTask<Long> confined;
        private final LinkedBlockingQueue<Runnable> starts = new LinkedBlockingQueue<>();
        private final long[] result = new long[1];
        private boolean stopped;

        Origin() {
            confined = new FutureTask<>(() -> result[0]);
        }

        /**
         * Confines the calling thread, the origin: a first domain's takes seccheck's credentials
         * back ({@code own}), its own fs_struct and no_new_privs; a nested one's has its parent's
         * already. Then the ruleset; then starts what it is given until stopped.
         */
        void run(Identity.Own own, int ruleset) {
            try {
                long r = 0;
                if (own != null) {
                    own.reclaim();
                    r = ThreadCredentials.unshareFs();
                    if (r == 0) {
                        r = Landlock.noNewPrivs();
                    }
                }
                if (r == 0) {
                    r = Landlock.restrictSelf(ruleset);
                }
                result[0] = r;
                confined.run();
                if (r < 0) {
                    return;
                }
                while (true) {
                    Runnable start = takeUninterruptibly();
                    if (start == STOP) {
                        return;
                    }
                    start.run();
                }
            } finally {
                ALIVE.decrementAndGet();
                if (!confined.isDone()) {
                    result[0] = -Errno.EPERM;
                    confined.run();
                }
            }
        }

        private Runnable takeUninterruptibly() {
            while (true) {
                try {
                    return starts.take();
                } catch (InterruptedException e) {
                    // Only stop() ends an origin: its domain's threads must have one to start them.
                }
            }
        }

        /**
         * Runs {@code start}, which starts a thread, on the origin and waits for it; what it threw
         * is thrown here (the kernel's refusal of a thread, an OutOfMemoryError). False once stopped.
         */
        boolean start(Runnable start) {
            Throwable[] failed = new Throwable[1];
            FutureTask<Void> job = new FutureTask<>(() -> {
                try {
                    start.run();
                } catch (Throwable e) {
                    failed[0] = e;
                }
            }, null);
            synchronized (this) {
                if (stopped) {
                    return false;
                }
                starts.add(job);
            }
            Uninterruptibly.get(job);
            if (failed[0] instanceof RuntimeException e) {
                throw e;
            }
            if (failed[0] instanceof Error e) {
                throw e;
            }
            return true;
        }

        /** Ends the origin once what it was given before is started. */
        synchronized void stop() {
            stopped = true;
            starts.add(STOP);
        }
    }
}
