package dev.seccheck.state;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Gate lets a session's sinks be used by firing threads until the session closes, and lets
 * {@link #close()} wait until no thread is still inside: after it returns, no point reaches the
 * session's sinks.
 *
 * <p>{@link #enter()} increments then reads {@code closed}; {@link #close()} writes {@code closed}
 * then reads the count. Both are sequentially consistent (volatile and atomic), so at least one
 * side sees the other: a thread that entered is waited for, or it sees the gate closed.
 */
public final class Gate {
    private final AtomicLong inside = new AtomicLong();
    private volatile boolean closed;

    /** Returns true and counts the caller in, or false if the gate is closed. */
    boolean enter() {
        inside.incrementAndGet();
        if (closed) {
            inside.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Counts the caller out. */
    void exit() {
        inside.decrementAndGet();
    }

    /** Closes the gate and waits until every thread inside has left. */
    public void close() {
        closed = true;
        for (int spins = 0; inside.get() != 0; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /** Returns whether the gate was closed. */
    public boolean isClosed() {
        return closed;
    }
}
