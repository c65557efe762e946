package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.PathCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * ReserveThreads are a few emulation threads started before the program runs and kept for the
 * opens of FIFOs that natively never wait for a peer, when the pool cannot take them: it has
 * {@link Emulator#MAX_WAITING} calls in progress already (a program with that many FIFO opens
 * waiting for their peers), or every thread of it is busy and the kernel refuses another (the
 * program used up the tasks its user or cgroup may have). Refused there, the opens that would
 * release the waiting ones (a writer's O_NONBLOCK open releases a reader waiting in its open) left
 * the program waiting for good. A FIFO's open cannot be made on the notifier, whose waits hold
 * every call of the run: it takes the pipe's lock, which the program can hold
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
 * limit, as before.
 *
 * <p>A call that finds every reserve thread busy waits for one at most {@link #WAIT_MILLIS}, on
 * the notifier, then fails with EAGAIN. A reserve thread's call takes the time of one open and its
 * decision unless the program holds the FIFO's lock, so a burst of such opens from many threads at
 * once is served in turn; while the program holds the locks of the FIFOs the reserve threads are
 * opening, each further call costs the notifier that bound, and only the program, whose calls the
 * notifier serves, is slowed.
 */
final class ReserveThreads implements AutoCloseable {

    /** How many threads are kept. */
    static final int THREADS = 2;
    /** How long a call waits for a reserve thread to come free. */
    static final long WAIT_MILLIS = 200;

    /** Bound while a reserve thread serves a call: an open there must not wait for its peer. */
    private static final ScopedValue<Boolean> HERE = ScopedValue.newInstance();

    /** Hands a call to a thread waiting in take(): none queues behind a busy one. */
    private final SynchronousQueue<Runnable> calls = new SynchronousQueue<>();
    private final List<Thread> threads = new ArrayList<>(THREADS);
    /** Set before the threads are interrupted to end; read by a thread an interrupt woke. */
    private volatile boolean closed;

    /** Starts the threads, from {@code factory}, now (before the program runs). */
    ReserveThreads(ThreadFactory factory) {
        for (int i = 0; i < THREADS; i++) {
            Thread t = factory.newThread(this::serve);
            t.start();
            threads.add(t);
        }
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

    /**
     * Runs {@code work} on a reserve thread, waiting at most {@link #WAIT_MILLIS} for one to be
     * idle; false when none was.
     */
    boolean tryRun(Runnable work) {
        try {
            return calls.offer(work, WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One reserve thread: takes calls until closed. */
    private void serve() {
        while (!closed) {
            Runnable work;
            try {
                work = calls.take();
            } catch (InterruptedException e) {
                continue; // closed, or an interrupt left over from a call: the loop's test tells
            }
            try {
                ScopedValue.where(HERE, Boolean.TRUE).run(work);
            } catch (RuntimeException e) {
                // The calls answer their own failures; one that escapes is reported, and the
                // thread, which cannot be replaced once the program has used up its tasks, stays.
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
    }

    /** Stops the threads (the run is ending). */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
    }
}
