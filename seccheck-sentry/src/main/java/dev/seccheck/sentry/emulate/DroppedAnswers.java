package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.SeccompNotification;
import java.util.concurrent.ConcurrentHashMap;
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
 * call, marks it ({@link #interrupted}) and has the call repeated. The repeat is the same call,
 * and gets the recorded answer ({@link #repeatOf}), only when nothing else can be:
 * <ul>
 *   <li>the repeat is the task's first notification received after the answered one, with the same
 *       arguments and what they point to ({@link Restarts.Key}, the socket included);
 *   <li>the listener received every notification between the two (their ids count up by one; a
 *       call the task made and a signal took back before seccheck received it leaves a hole);
 *   <li>the tracer marked the record once more than there were notifications taken for the repeat
 *       and found gone (interrupted again before they were looked at): a later call of the task's,
 *       received and then interrupted, is marked at its own stop, and so is each of its repeats,
 *       while a dropped answer's call is marked once before any repeat exists. The marks are read
 *       before the repeat is asked whether it is pending, so every stop before it counts.
 * </ul>
 * Any doubt leaves the repeat a new call, as before.
 *
 * <p>One instance per listener (notification ids are the listener's): its receipts are counted
 * on the notifier thread ({@link #received}).
 */
final class DroppedAnswers {

    /** An answer sent to a task, recorded until the task's next call shows it arrived. */
    static final class Sent {
        private final int tid;
        private final SeccompNotification call;
        private final Restarts.Key key;
        private final Restarts.Result.Answer answer;
        /** The notification answered, then the last one taken for its repeat and found gone. */
        private volatile long id;
        /** The count of holes in the listener's ids as of {@link #id}. */
        private volatile long holes;
        /**
         * How many times the tracer found the task interrupted in a call with these registers since
         * the answer was sent (one thread, the task's tracer, writes it).
         */
        private volatile int marks;
        /** How many notifications taken for the repeat were gone when looked at. */
        private int gone;
        /** Set at the receipt of the task's first notification after {@link #id}: its id, and whether no hole came before it. */
        private volatile boolean followed;
        private volatile long next;
        private volatile boolean unbroken;

        private Sent(int tid, SeccompNotification call, Restarts.Key key, Restarts.Result.Answer answer, long id,
                long holes) {
            this.tid = tid;
            this.call = call;
            this.key = key;
            this.answer = answer;
            this.id = id;
            this.holes = holes;
        }

        /** Whether a call with registers {@code nr} and {@code args} (rdi, rsi, rdx, r10, r8, r9) is this one's. */
        private boolean sameRegisters(long nr, long[] args) {
            if (nr != call.nr()) {
                return false;
            }
            long[] mine = {call.arg0(), call.arg1(), call.arg2(), call.arg3(), call.arg4(), call.arg5()};
            for (int i = 0; i < Restarts.arguments(call.nr()) && i < args.length; i++) {
                if (mine[i] != args[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ConcurrentHashMap<Integer, Sent> byTid = new ConcurrentHashMap<>();
    /** The id of the last notification received (notifier thread). */
    private long lastId;
    private boolean receivedAny;
    /** How many times the ids received skipped one: written by the notifier thread only. */
    private volatile long holes;

    /**
     * Notification {@code id} of task {@code tid} was received (notifier thread, for every
     * notification of the listener, before it is served).
     */
    void received(int tid, long id) {
        if (!receivedAny || id - lastId != 1) {
            holes++;
        }
        receivedAny = true;
        lastId = id;
        Sent s = byTid.get(tid);
        if (s != null && !s.followed && id - s.id > 0) {
            s.next = id;
            s.unbroken = holes == s.holes;
            s.followed = true;
        }
    }

    /**
     * Records {@code answer} as sent to notification {@code id} of {@code call}'s task, whose
     * attempt is {@code key}, before it is sent; {@link #unsent} when the kernel refused it.
     */
    Sent sending(SeccompNotification call, Restarts.Key key, Restarts.Result.Answer answer, long id) {
        Sent s = new Sent(call.tid(), call, key, answer, id, holes);
        byTid.put(call.tid(), s);
        return s;
    }

    /** The answer recorded by {@link #sending} was refused (the notification was gone): Restarts keeps it. */
    void unsent(Sent s) {
        byTid.remove(s.tid, s);
    }

    /**
     * The task {@code tid} stopped for a signal with ERESTARTSYS from syscall {@code nr} with
     * arguments {@code args}: marks the answer recorded for the task when it was for those
     * registers, and returns whether one was.
     */
    boolean interrupted(int tid, long nr, long[] args) {
        Sent s = byTid.get(tid);
        if (s == null || !s.sameRegisters(nr, args)) {
            return false;
        }
        s.marks++;
        return true;
    }

    /**
     * Returns the answer a call of task {@code tid} with {@code key}, notification {@code id},
     * must get as the repeat of a call whose answer the kernel dropped; null when it is not one
     * (a new call). A notification found gone when looked at may be that repeat, interrupted
     * again, or a later call of the task's interrupted after seccheck received it: the record is
     * kept for the task's next notification, which is the repeat only if the tracer marked one
     * interruption more than there were such notifications (the dropped answer's own).
     *
     * @param pending whether a notification is still pending, asked after the marks are read
     */
    Restarts.Result.Answer repeatOf(int tid, Restarts.Key key, long id, LongPredicate pending) {
        Sent s = byTid.get(tid);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            if (id - s.id <= 0) {
                return null; // an older notification served late: the record is for a later one
            }
            int marks = s.marks; // read before the pending look: see the class comment
            if (marks == 0 || !s.followed || s.next != id || !s.unbroken || !s.key.equals(key)) {
                byTid.remove(tid, s);
                return null;
            }
            if (!pending.test(id)) {
                s.gone++;
                s.id = id;
                s.holes = holes;
                s.followed = false;
                return null;
            }
            byTid.remove(tid, s);
            return marks > s.gone ? s.answer : null;
        }
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
