package dev.seccheck.remote.consumer;

/**
 * SourceLoop is the one thread of a running {@link EventSource}, its loop and how it stops. The
 * loop waits for input and serves it ({@link #serveOnce}), ticks about once a second
 * ({@link #tick}) and, however it ends, finishes on its own thread ({@link #finish}).
 * {@link #close} raises the closing flag, wakes the thread from its wait ({@link #wake}) and waits
 * for it to end, unless called from that thread (a handler may close its own server).
 */
public abstract class SourceLoop implements EventSource.Running {
    /** How often the loop ticks: the period of {@link EventHandler#onTick}. */
    protected static final long TICK_NANOS = 1_000_000_000L;

    private final String threadName;
    /** Set once by {@link #start}; volatile because close() and awaitClose() may run on other threads. */
    private volatile Thread thread;
    private volatile boolean closing;

    /** Names the loop's thread, a daemon, which {@link #start} makes and starts. */
    protected SourceLoop(String threadName) {
        this.threadName = threadName;
    }

    /**
     * Starts the loop's thread. It is made here, not in the constructor, so that it never sees a
     * subclass whose constructor has not finished.
     */
    public final void start() {
        Thread t = Thread.ofPlatform().name(threadName).daemon().unstarted(this::loop);
        thread = t;
        t.start();
    }

    /** Returns whether {@link #close} was called: the loop should end. */
    protected final boolean closing() {
        return closing;
    }

    /** Wakes the loop's thread from its wait, so it sees {@link #closing()}. */
    protected abstract void wake();

    /**
     * Waits at most about {@link #TICK_NANOS} for input and serves what came. Throwing ends the
     * loop: see {@link #failed}.
     */
    protected abstract void serveOnce() throws Exception;

    /** Runs between waits about once every {@link #TICK_NANOS}; {@code now} is {@link System#nanoTime}. */
    protected abstract void tick(long now) throws Exception;

    /** Says why the loop ended with {@code e} thrown; not called when the loop ended because it was closing. */
    protected abstract void failed(Exception e);

    /** Runs last on the loop's thread however the loop ended: disconnects everyone, releases what it holds. */
    protected abstract void finish();

    private void loop() {
        long lastTick = System.nanoTime();
        try {
            while (!closing) {
                serveOnce();
                long now = System.nanoTime();
                if (now - lastTick >= TICK_NANOS) {
                    lastTick = now;
                    tick(now);
                }
            }
        } catch (Exception e) {
            // Closing wakes the wait, and a woken wait may throw (Kafka's poll does): that is the way out, not a failure.
            if (!closing) {
                failed(e);
            }
        } finally {
            finish();
        }
    }

    @Override
    public void awaitClose() throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join();
        }
    }

    @Override
    public void close() {
        closing = true;
        wake();
        Thread t = thread;
        if (t != null && Thread.currentThread() != t) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
