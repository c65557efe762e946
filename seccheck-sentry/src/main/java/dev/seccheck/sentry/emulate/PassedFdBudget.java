package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.PathCalls;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * PassedFdBudget bounds how many of the program's descriptors seccheck holds at once to pass them
 * on in messages it sends for the program ({@link PassedFds}). Each one taken is a slot of
 * seccheck's own descriptor table for as long as its send lasts, and a send may wait (a full unix
 * socket) on one of up to 1,024 of seccheck's threads: without a bound, a program passing 253
 * descriptors a message from a few threads kept seccheck's table full, and every open, /proc look
 * and install of seccheck's, for every process of the run, failed with EMFILE meanwhile (red-team
 * round 15). A message whose descriptors do not fit in what is left is refused with the kernel's
 * ETOOMANYREFS (a unix socket's answer for too many descriptors in flight) and takes none.
 *
 * <p>The budget is a quarter of seccheck's own descriptor limit, at least one message's worth
 * ({@link PassedFds#MOST_PER_MESSAGE}), at most 65,536: 5,000 under a limit of 20,000, where a
 * service passes a handful at a time.
 */
final class PassedFdBudget {

    /** The most descriptors held at once under any limit. */
    static final int MOST = 1 << 16;

    private final int capacity;
    private final AtomicInteger held = new AtomicInteger();

    PassedFdBudget(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("a budget of " + capacity + " descriptors");
        }
        this.capacity = capacity;
    }

    /** The budget for this process: a quarter of its RLIMIT_NOFILE, within its bounds. */
    static PassedFdBudget forThisProcess() {
        long limit = new PathCalls().softLimit(0, PathCalls.RLIMIT_NOFILE);
        return new PassedFdBudget(sized(limit));
    }

    /** The budget under a descriptor limit of {@code limit} (-errno when unknown: the least). */
    static int sized(long limit) {
        long quarter = limit < 0 ? 0 : limit / 4;
        return (int) Math.max(PassedFds.MOST_PER_MESSAGE, Math.min(quarter, MOST));
    }

    /** Takes {@code n} descriptors' room if all of them fit; false (nothing taken) if not. */
    boolean tryTake(int n) {
        while (true) {
            int now = held.get();
            if (n > capacity - now) {
                return false;
            }
            if (held.compareAndSet(now, now + n)) {
                return true;
            }
        }
    }

    /** Gives back the room of {@code n} descriptors taken with {@link #tryTake}. */
    void giveBack(int n) {
        held.addAndGet(-n);
    }

    /** How many descriptors' room is taken now. */
    int held() {
        return held.get();
    }

    /** The most descriptors held at once. */
    int capacity() {
        return capacity;
    }
}
