package dev.seccheck.remote.consumer;

/**
 * SourceLoop is the one thread of a running {@link EventSource} and how it stops: {@link #close}
 * raises the closing flag, wakes the thread from its wait ({@link #wake}) and waits for it to end,
 * unless called from that thread (a handler may close its own server).
 */
public abstract class SourceLoop implements EventSource.Running {
    private final Thread thread;
    private volatile boolean closing;

    /** Makes the loop's thread, a daemon named {@code threadName}; {@link #start} starts it. */
    protected SourceLoop(String threadName) {
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(this::run);
    }

    /** Starts the loop's thread. */
    public final void start() {
        thread.start();
    }

    /** Returns whether {@link #close} was called: the loop should end. */
    protected final boolean closing() {
        return closing;
    }

    /** Wakes the loop's thread from its wait, so it sees {@link #closing()}. */
    protected abstract void wake();

    /** The loop: serves until {@link #closing()}, then disconnects everyone. */
    protected abstract void run();

    @Override
    public void awaitClose() throws InterruptedException {
        thread.join();
    }

    @Override
    public void close() {
        closing = true;
        wake();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
