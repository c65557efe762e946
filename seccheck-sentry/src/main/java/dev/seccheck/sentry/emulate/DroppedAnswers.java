package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.SeccompNotification;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * DroppedAnswers finds the answers the kernel took and never gave to their task, so that the
 * task's repeat of the call gets the answer rather than a second call made for it.
 *
 * <p>A signal that reaches a task waiting for seccheck's answer wakes it; the task then takes the
 * listener's lock to leave the wait, and returns ERESTARTSYS. An answer sent in between is
 * accepted (SECCOMP_IOCTL_NOTIF_SEND returns 0) and dropped: the task no longer reads it. seccheck
 * had made the call (a bind, a connect, a send, a link), and the task's repeat made it again: a
 * bind then failed with EINVAL (already bound), a send sent its data twice. Measured by a program
 * of its own on this machine's kernel (6.18), a getppid answered by a notifier under a 50 us
 * timer: 111 of 187,578 answers accepted were dropped. An answer that installs an fd is not
 * concerned (the kernel tells seccheck that the task left: ESRCH), nor one that lets the kernel
 * make the call (nothing was done).
 *
 * <p>An answer is recorded as it is sent ({@link #sending}), one per task. The tracer, at the
 * signal-delivery stop of a task whose call returned ERESTARTSYS with the registers of the recorded
 * call, marks it ({@link #interrupted}) and has the call repeated. Each notification of the task
 * received after the answered one is judged as it is received ({@link #received}), and its repeat
 * gets the recorded answer, firing nothing ({@link #repeatOf}, then {@link #take} once
 * {@code Restarts} found it still its task's newest notification begun), only when:
 * <ul>
 *   <li>every one of the task's notifications since the answered one had the recorded call's
 *       registers;
 *   <li>the marks outnumber the task's notifications received before this one, and the ids the
 *       listener never received since the answer, by at least one. The dropped answer's stop comes
 *       before any repeat exists, and is the one; each repeat then interrupted again, received (and
 *       found gone when looked at) or not (a call a signal took back before seccheck received it
 *       leaves a hole in the ids), has a stop of its own. A later call of the task's, after the
 *       answer reached it, is marked only at its own stop, after it was received, or, taken back
 *       unreceived, leaves a hole as well as its mark: either way one mark short. A hole left by
 *       another task's call counts against the repeat too, which is then a new call, as before;
 *   <li>it has the same key as {@code Restarts} builds (what the registers point to, the socket's
 *       cookie), and is still pending once looked at.
 * </ul>
 * Any doubt leaves the repeat a new call, as before. Not covered: a notification received late
 * enough that a later call's two stops (two signals at once, the first not handled) were both
 * marked before it was counted, which can take a later call for the repeat.
 *
 * <p>One instance per listener (notification ids are the listener's): its receipts are counted
 * on the notifier thread ({@link #received}).
 */
class DroppedAnswers {

    /** An answer sent to a task, recorded until the task's next call shows it arrived. */
    static final class Sent {
        private final SeccompNotification call;
        private final Restarts.Key key;
        private final Restarts.Result.Answer answer;
        private final long id;
        /** How many of the listener's ids were never received, when the answer was sent. */
        private final long missing;
        /**
         * How many times the tracer found the task interrupted in a call with these registers since
         * the answer was sent (one thread, the task's tracer, writes it).
         */
        private volatile int marks;
        /** How many of the task's notifications were received since (notifier thread). */
        private int received;
        /** The last of them, and whether it may be the repeat ({@link #received}). */
        private volatile long latest;
        private volatile boolean mayRepeat;

        private Sent(SeccompNotification call, Restarts.Key key, Restarts.Result.Answer answer, long id, long missing) {
            this.call = call;
            this.key = key;
            this.answer = answer;
            this.id = id;
            this.missing = missing;
        }

        /**
         * Whether a call of syscall {@code nr} with arguments {@code a0} to {@code a5} (rdi, rsi,
         * rdx, r10, r8, r9) is this one's, on the arguments the syscall takes.
         */
        private boolean sameRegisters(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
            int n = Restarts.arguments(call.nr());
            return nr == call.nr() && a0 == call.arg0() && a1 == call.arg1() && (n < 3 || a2 == call.arg2())
                    && (n < 4 || a3 == call.arg3()) && (n < 5 || a4 == call.arg4()) && (n < 6 || a5 == call.arg5());
        }
    }

    private final ConcurrentHashMap<Integer, Sent> byTid = new ConcurrentHashMap<>();
    /** The id of the last notification received (notifier thread). */
    private long lastId;
    private boolean receivedAny;
    /**
     * How many of the listener's ids were never received (the first receipt counts one, nothing
     * being known before it): written by the notifier thread only.
     */
    private volatile long missing;
    /**
     * Set while the notifier takes a notification and until it has counted it ({@link #receiving}
     * to {@link #received}): a mark waits for it, so that a notification the kernel gave out
     * before the task's stop is counted before the stop's mark.
     */
    private volatile boolean receiving;
    /**
     * How long a mark waits for the notifier to count what it took (microseconds, unless the
     * notifier thread is descheduled); past that, nothing is marked and the repeat is a new call.
     */
    static final long COUNT_WAIT_NS = 20_000_000;
    private final long countWaitNanos;

    DroppedAnswers() {
        this(COUNT_WAIT_NS);
    }

    /** DroppedAnswers whose marks wait up to {@code countWaitNanos} for the notifier's count. */
    DroppedAnswers(long countWaitNanos) {
        this.countWaitNanos = countWaitNanos;
    }

    /** The notifier is about to take a notification (notifier thread). */
    void receiving() {
        receiving = true;
    }

    /** The notifier took none (the notification was gone, notifier thread). */
    void receivedNone() {
        receiving = false;
    }

    /**
     * Notification {@code n} was received (notifier thread, for every notification of the
     * listener, before it is served): judges whether it may repeat the call whose answer its task
     * was last sent, and drops that record once it cannot.
     */
    void received(SeccompNotification n) {
        try {
            count(n);
        } finally {
            receiving = false;
        }
    }

    private void count(SeccompNotification n) {
        long skipped = receivedAny ? n.id() - lastId - 1 : 1;
        if (skipped != 0) {
            missing += Math.max(skipped, 1); // ids count up: one out of order is taken as a hole
        }
        receivedAny = true;
        lastId = n.id();
        Sent s = byTid.get(n.tid());
        if (s == null || n.id() - s.id <= 0) {
            return;
        }
        int before = s.received++;
        // Most often no mark at all (the answer reached the task): the other tests are not made.
        boolean may = s.marks > before && s.marks - before - 1 >= missing - s.missing
                && s.sameRegisters(n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(), n.arg5());
        if (!may) {
            byTid.remove(n.tid(), s);
            return;
        }
        s.latest = n.id();
        s.mayRepeat = true;
    }

    /**
     * Records {@code answer} as sent to notification {@code id} of {@code call}'s task, whose
     * attempt is {@code key}, before it is sent; {@link #unsent} when the kernel refused it.
     */
    Sent sending(SeccompNotification call, Restarts.Key key, Restarts.Result.Answer answer, long id) {
        Sent s = new Sent(call, key, answer, id, missing);
        byTid.put(call.tid(), s);
        return s;
    }

    /** The answer recorded by {@link #sending} was refused (the notification was gone): Restarts keeps it. */
    void unsent(Sent s) {
        byTid.remove(s.call.tid(), s);
    }

    /**
     * The task {@code tid} stopped for a signal with ERESTARTSYS from syscall {@code nr} with
     * arguments {@code args}: marks the answer recorded for the task when it was for those
     * registers, and returns whether one was.
     */
    boolean interrupted(int tid, long nr, long[] args) {
        Sent s = byTid.get(tid);
        if (s == null || !s.sameRegisters(nr, args[0], args[1], args[2], args[3], args[4], args[5])) {
            return false;
        }
        // The interrupted call's notification, if the kernel gave it out before the stop, must be
        // counted first: its own stop would otherwise pass for the dropped answer's.
        long deadline = System.nanoTime() + countWaitNanos;
        while (receiving) {
            if (System.nanoTime() - deadline > 0) {
                byTid.remove(tid, s); // cannot be told: the call is left to the signal, its repeat new
                return false;
            }
            LockSupport.parkNanos(10_000);
        }
        if (byTid.get(tid) != s) {
            return false; // the count showed a later call of the task's: the answer had reached it
        }
        s.marks++;
        return true;
    }

    /**
     * Returns the answer a call of task {@code tid} with {@code key}, notification {@code id},
     * must get as the repeat of a call whose answer the kernel dropped, and leaves it recorded:
     * {@link #take} takes it; null when it is not one (a new call, or one already gone, whose own
     * repeat is judged in turn).
     *
     * @param pending whether a notification is still pending
     */
    Restarts.Result.Answer repeatOf(int tid, Restarts.Key key, long id, LongPredicate pending) {
        Sent s = byTid.get(tid);
        if (s == null || s.latest != id || !s.mayRepeat) {
            return null;
        }
        if (!s.key.equals(key)) {
            byTid.remove(tid, s);
            return null;
        }
        return pending.test(id) ? s.answer : null;
    }

    /**
     * Takes {@code answer}, which {@link #repeatOf} returned for notification {@code id} of task
     * {@code tid}: true when it was still recorded for that notification (the latest of the task's
     * received), and then no other notification gets it.
     */
    boolean take(int tid, long id, Restarts.Result.Answer answer) {
        Sent s = byTid.get(tid);
        return s != null && s.answer == answer && s.latest == id && byTid.remove(tid, s);
    }

    /** Task {@code tid} is gone, or an exec took its number: its record is for no one. */
    void forget(int tid) {
        byTid.remove(tid);
    }

    /** The run is ending. */
    void clear() {
        byTid.clear();
    }
}
