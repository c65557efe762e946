package dev.seccheck.sentry.emulate;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * TaskOrder keeps the points of one thread's emulated calls in the order the thread made them.
 * A pool thread answers a notification before it fires the call's exit points (the answer is
 * what resumes the program, and an installed fd's number is known only then), so the thread's
 * next call can reach another pool thread while the first is still firing. Each call therefore
 * holds its thread's turn from its enter points to its exit points.
 *
 * <p>The per-thread entry lives only while a call of that thread is in progress or waiting: its
 * user count changes inside {@link ConcurrentHashMap#compute}, which is atomic per key, so an
 * entry is never dropped under a waiter. A call that cannot get the turn within {@link #PATIENCE_MS}
 * (its predecessor is blocked in a FIFO open, say, and the thread was interrupted into a signal
 * handler that opens a file) goes on without it: order is given up rather than the program hung.
 */
final class TaskOrder {

    static final long PATIENCE_MS = 1000;

    private static final class Turn {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final ConcurrentHashMap<Integer, Turn> turns = new ConcurrentHashMap<>();

    /** Runs {@code call} in thread {@code tid}'s turn. */
    void inTurn(int tid, Runnable call) {
        Turn t = turns.compute(tid, (k, v) -> {
            Turn turn = v == null ? new Turn() : v;
            turn.users++;
            return turn;
        });
        boolean held = false;
        try {
            held = t.lock.tryLock(PATIENCE_MS, TimeUnit.MILLISECONDS);
            call.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.run();
        } finally {
            if (held) {
                t.lock.unlock();
            }
            turns.compute(tid, (k, v) -> --v.users == 0 ? null : v);
        }
    }

    /** Returns how many threads have a call in progress or waiting (for tests). */
    int size() {
        return turns.size();
    }
}
