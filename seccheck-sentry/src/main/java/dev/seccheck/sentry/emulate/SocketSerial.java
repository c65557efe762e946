package dev.seccheck.sentry.emulate;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * SocketSerial makes the calls seccheck performs on one socket, named by its inode, one at a
 * time: a decision that reads the socket's state (its bound device, {@link DeviceSteering}) and
 * the call made on that decision run with no other such call on the socket in between. A lock is
 * kept per socket while a call holds or waits for it, and dropped with the last one.
 */
final class SocketSerial {

    /** A socket's lock and how many calls hold or wait for it (changed only inside the map's compute). */
    private static final class Turn {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final ConcurrentHashMap<Long, Turn> turns = new ConcurrentHashMap<>();

    /** Runs {@code op} with no other call of this class on socket {@code inode} running meanwhile. */
    long run(long inode, LongSupplier op) {
        Turn t = turns.compute(inode, (k, v) -> {
            Turn turn = v == null ? new Turn() : v;
            turn.users++;
            return turn;
        });
        t.lock.lock();
        try {
            return op.getAsLong();
        } finally {
            t.lock.unlock();
            turns.computeIfPresent(inode, (k, v) -> --v.users == 0 ? null : v);
        }
    }
}
