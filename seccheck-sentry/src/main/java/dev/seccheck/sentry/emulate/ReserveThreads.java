package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadStarts;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * ReserveThreads are a few emulation threads started before the program runs and kept for the
 * opens of FIFOs that find the pool busy and the kernel refusing another thread (the program used
 * up the tasks its user or cgroup may have). A FIFO's open cannot be made on the notifier, whose
 * waits hold every call of the run: it takes the pipe's lock, which the program can hold
 * ({@link NonWaitingOpens}). Natively such an open either completes at once or waits for its
 * peer; a reserve thread makes the first kind only, so that no open holds one for good:
 * <ul>
 *   <li>an open with O_NONBLOCK or O_RDWR, which waits for the FIFO's lock at most;
 *   <li>a blocking open for writing, made with O_NONBLOCK first: with a reader there it
 *       completes as the blocking one would (the kernel's fifo_open checks for a reader before it
 *       does anything else, and opens the same way then), its O_NONBLOCK taken off; without one
 *       (ENXIO) it would wait, and fails with EAGAIN ({@link OpenEmulation}).
 * </ul>
 * A blocking open for reading never comes here: whether a writer is there cannot be told without
 * becoming a reader, which wakes the writers waiting in their opens. It fails with EAGAIN at the
 * limit, as before. A reserve that is busy too (its threads wait for locks the program holds)
 * fails the open with EAGAIN.
 */
final class ReserveThreads implements AutoCloseable {

    /** How many threads are kept. */
    static final int THREADS = 2;

    /** Bound while a reserve thread serves a call: an open there must not wait for its peer. */
    private static final ScopedValue<Boolean> HERE = ScopedValue.newInstance();

    private final ThreadPoolExecutor threads;

    /** Starts the threads, from {@code factory}, now (before the program runs). */
    ReserveThreads(ThreadFactory factory) {
        // No queue, no thread past THREADS: a call finds an idle thread or none.
        threads = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
        threads.prestartAllCoreThreads();
    }

    /**
     * Whether the reserve may take an open of the object of status {@code st} with {@code flags}:
     * a FIFO's, unless for reading alone and blocking.
     */
    static boolean takes(PathCalls.Stat st, int flags) {
        return st != null && st.isFifo() && ((flags & O_NONBLOCK) != 0 || (flags & O_ACCMODE) != O_RDONLY);
    }

    /** Whether the calling thread is a reserve thread serving a call. */
    static boolean here() {
        return HERE.isBound();
    }

    /** Runs {@code work} on an idle reserve thread; false when none is idle. */
    boolean tryRun(Runnable work) {
        try {
            // A thread that ended (it never does) would be replaced: a refused one is a busy reserve.
            return ThreadStarts.tryStart(() -> threads.execute(() -> ScopedValue.where(HERE, Boolean.TRUE).run(work)));
        } catch (RejectedExecutionException busy) {
            return false;
        }
    }

    /** Stops the threads (the run is ending). */
    @Override
    public void close() {
        threads.shutdownNow();
    }
}
