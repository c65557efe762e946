package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.ThreadStarts;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * Restarts makes an emulated call that the kernel repeats fire its enter points once. A signal
 * (or a stop: the workload freeze) that reaches a task while seccheck holds its syscall ends the
 * wait with ERESTARTSYS; the kernel then repeats the syscall, which is a new notification. The
 * repeat is recognized by its thread, syscall, registers and seccheck's fresh copy of what they
 * point to (the path or address read again, so a program that changed it in its signal handler
 * makes a new call, decided anew):
 * <ul>
 *   <li>while the first attempt is still being performed (a FIFO open waiting for a writer, a
 *       blocking connect), the repeat takes it over: the first attempt answers the repeat's
 *       notification instead of its own, dead one;
 *   <li>when the first attempt was answered too late (the kernel said ENOENT), its result is
 *       kept ({@link Result}) and answers the repeat;
 *   <li>while the first attempt is answering (an open's fd installed, its answer not yet sent),
 *       the repeat waits for it to settle: only its answer tells a repeat (the task was
 *       interrupted, the answer comes too late) from the task's next call (the answer reached it).
 *       Taken for a new call, a repeat opened the file again, and the fd the first attempt had
 *       installed stayed in the task for good (a shell keeping a FIFO open, whose reader then
 *       never saw its end).
 * </ul>
 * A kept fd is closed once its task has been away from the call for {@link #KEEP_MS} (running, or
 * in another syscall: {@link RepeatWatch}), or is gone: a signal handler without SA_RESTART makes
 * the call fail with EINTR, and the program may never repeat it; the fd, a FIFO's writing end say,
 * would otherwise hold the FIFO open for good (its reader never sees the end). Time the task spends
 * stopped, or back in the call waiting for the notifier, does not count: the repeat is coming.
 * Without this a repeat fired the points again and performed the call again; a FIFO open
 * interrupted four times held all four pool threads, and its writer's open never ran.
 *
 * <p>One attempt per thread at a time (a task has one syscall in flight); entries are guarded by
 * their own monitor, the map only finds them.
 */
final class Restarts {

    /**
     * What identifies an attempt and its repeat: the arguments the syscall takes (the registers past
     * them hold whatever the caller left there, which differs when a program repeats a call an
     * interruption failed with EINTR), what they point to, the socket its fd argument names (its
     * cookie, 0 for none: the number may name another socket by the repeat), and the image that
     * made it: how many execs had taken the thread's number when its notification was received
     * ({@link #execsOf}).
     */
    record Key(int nr, long a1, long a2, long a3, long a4, long a5, long a6, byte[] input, int execs, long socket) {
        static Key of(SyscallEvent ev, byte[] input, int execs, long socket) {
            int n = arguments(ev.sysno());
            return new Key(ev.sysno(), ev.arg1(), ev.arg2(), ev.arg3(), n > 3 ? ev.arg4() : 0, n > 4 ? ev.arg5() : 0,
                    n > 5 ? ev.arg6() : 0, input, execs, socket);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.nr == nr && k.a1 == a1 && k.a2 == a2 && k.a3 == a3 && k.a4 == a4
                    && k.a5 == a5 && k.a6 == a6 && k.execs == execs && k.socket == socket && Arrays.equals(k.input, input);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(a1 * 31 + a2) * 31 + nr;
        }
    }

    /**
     * How many execs took each thread number (absent: none), counted at the exec event
     * ({@link #executed}) and dropped at the number's reap. A call reads it as its notification is
     * received ({@link #execsOf}); that notification was still pending after the read (the look
     * {@code Call.begin} makes at a fresh attempt, or the answer), so the exec, which kills the old
     * image's threads and their notifications first, came after it: an old image's call served
     * late never matches a new image's on the same number, whatever its path and flags.
     */
    private static final ConcurrentHashMap<Integer, Integer> EXECS = new ConcurrentHashMap<>();

    /** How many execs took thread number {@code tid} so far (one map look-up). */
    static int execsOf(int tid) {
        return EXECS.getOrDefault(tid, 0);
    }

    /** An exec took thread number {@code tid} (tracer thread, at the exec event). */
    static void executed(int tid) {
        EXECS.merge(tid, 1, Integer::sum);
    }

    /** How many arguments an emulated syscall takes (six for any other). */
    static int arguments(int nr) {
        return switch (nr) {
            case Sysno.CREAT, Sysno.TRUNCATE, Sysno.LINK, Sysno.RENAME -> 2;
            case Sysno.OPEN, Sysno.CONNECT, Sysno.SENDMSG, Sysno.BIND, Sysno.OPEN_BY_HANDLE_AT, Sysno.ACCEPT -> 3;
            case Sysno.OPENAT, Sysno.OPENAT2, Sysno.SENDMMSG, Sysno.RENAMEAT, Sysno.ACCEPT4 -> 4;
            case Sysno.LINKAT, Sysno.RENAMEAT2 -> 5;
            default -> 6;
        };
    }

    /** The result of an attempt answered too late, kept for its repeat. */
    sealed interface Result {
        /** Our fd of the object opened, to install. */
        record Fd(int fd, boolean cloexec) implements Result {}

        /** An errno, or a value (a count), reported at the exit points already. */
        record Answer(long value) implements Result {}

        /** Let the kernel make the call as made (O_PATH). */
        record AsMade() implements Result {}
    }

    /** One attempt: the notification it answers, and where it stands. */
    static final class Attempt {
        private final int tid;
        private final Key key;
        private long id;
        /** Set once the attempt began to answer: a repeat can no longer take it over. */
        private boolean answering;
        /** Set once its answer was sent, or was too late and {@link #kept} holds its result. */
        private boolean settled;
        private Result kept;
        /** The repeat's attempt its kept result went to ({@link #owes} follows it); null before. */
        private Attempt handedTo;

        private Attempt(int tid, Key key, long id) {
            this.tid = tid;
            this.key = key;
            this.id = id;
        }
    }

    /** What {@link #begin} found. */
    sealed interface Begun {
        /** No earlier attempt: this call goes on and is answered through {@code attempt}. */
        record Fresh(Attempt attempt) implements Begun {}

        /**
         * A running attempt ({@code by}) took this notification over, or the notification is older
         * than the attempt's (dead: {@code by} null): fire nothing, answer nothing.
         */
        record TakenOver(Attempt by) implements Begun {}

        /**
         * An attempt answered too late left this result: answer with it through {@code attempt},
         * which keeps it again if this answer comes too late too; fire no enter point.
         */
        record Kept(Result result, Attempt attempt) implements Begun {}
    }

    /**
     * How long the task an fd is kept for may be away from its call before the fd is closed (the
     * kernel repeats the call as the handler returns).
     */
    static final long KEEP_MS = 1000;
    /** How often a kept fd's task is looked at. */
    static final long CHECK_MS = 100;
    /**
     * Closes kept fds no repeat came for; its one daemon thread is made by {@link #prestart}
     * before the program runs, else with the first fd kept. Made then, a program that had used
     * up its tasks lost every fd answered too late: an open made for it (a FIFO's write end, which
     * woke the reader) was undone by the close, and its repeat found what the first had done.
     */
    private ScheduledThreadPoolExecutor expiry;

    /** How long a call waits for an attempt it may repeat to settle (the answer takes microseconds). */
    private static final long SETTLE_WAIT_MS = 1000;

    private final ConcurrentHashMap<Integer, Attempt> byTid = new ConcurrentHashMap<>();
    /**
     * The newest notification of each thread that began ({@link #begin}), kept after its attempt
     * ended: a thread has one syscall held at a time, so an older one is dead, however late it is
     * served. Before, one served after the thread's attempts had all been answered (none left to
     * compare it with) began afresh, and took over the thread's next call of the same key: a UDP
     * send of another datagram, which then went with the old one's data (sent twice, the new one
     * never: 0-3 in 20,000 sends under a 50 us timer).
     */
    private final ConcurrentHashMap<Integer, Long> newest = new ConcurrentHashMap<>();
    /** Answers sent that the kernel may have dropped, for the repeats that must get them. */
    private final DroppedAnswers dropped;

    /** Every instance not closed yet (one per listener's emulator), which {@link #forgetEverywhere} reaches. */
    private static final Set<Restarts> LIVE = ConcurrentHashMap.newKeySet();

    Restarts() {
        this(new DroppedAnswers());
    }

    /** Restarts that finds dropped answers with {@code dropped} (a test holds a call in it). */
    Restarts(DroppedAnswers dropped) {
        this.dropped = dropped;
        LIVE.add(this);
    }

    /**
     * Forgets the attempt of thread {@code tid} in every instance: the thread is gone, or an exec
     * took its number ({@link ExecutedTasks}), and no repeat of its call will come. A later call
     * under that number is a new one: before, the new image's first call at an exec by another
     * thread, made on the old leader's number with the same path and flags as the open the old
     * leader waited in, was taken for its repeat, and the old image's open answered it, the new
     * image's points unfired. A kept fd is closed; an attempt still performed is superseded, so its
     * late answer goes to no one ({@link Waits} ends its wait).
     */
    static void forgetEverywhere(int tid) {
        forget(tid, false);
    }

    /**
     * {@link #forgetEverywhere}, and when {@code reaped} the number's exec count with it: a task that
     * takes the number later counts from nothing.
     */
    static void forget(int tid, boolean reaped) {
        if (reaped) {
            EXECS.remove(tid);
        }
        for (Restarts r : LIVE) {
            r.forget(tid);
        }
    }

    private void forget(int tid) {
        dropped.forget(tid);
        newest.remove(tid);
        Attempt a = byTid.get(tid);
        if (a == null) {
            return;
        }
        synchronized (a) {
            if (byTid.get(tid) == a) {
                discard(a);
            }
            a.notifyAll();
        }
    }

    /**
     * Called before a call's enter points fire. Notifications of one thread may reach here out of
     * order (each is served on a thread of the pool, and a thread interrupted every millisecond
     * makes a new one each time): one older than the attempt's is dead (the thread has one syscall
     * held at a time) and takes nothing over; a kept result answers one repeat only, which becomes
     * the attempt (kept again if that answer too comes too late). Before, a dead repeat took an
     * attempt over and its answer went to no one, and every repeat that came while a result was
     * kept installed the same fd: the first closed it, the others failed with EBADF, and a FIFO's
     * reading end, with the writer's data in it, was lost.
     */
    Begun begin(int tid, Key key, long id) {
        return olderThanBegun(tid, id) ? new Begun.TakenOver(null) : attempt(tid, key, id);
    }

    /** {@link #begin}, for a notification no newer one of its thread began before. */
    private Begun attempt(int tid, Key key, long id) {
        while (true) {
            Attempt earlier = byTid.get(tid);
            if (earlier == null) {
                Attempt a = new Attempt(tid, key, id);
                if (byTid.putIfAbsent(tid, a) == null) {
                    return new Begun.Fresh(a);
                }
                continue;
            }
            synchronized (earlier) {
                if (byTid.get(tid) != earlier) {
                    continue; // another notification of the thread replaced it meanwhile
                }
                if (id - earlier.id < 0) { // ids count up from a random start: compared as differences
                    return new Begun.TakenOver(null);
                }
                if (earlier.key.equals(key)) {
                    awaitSettled(earlier);
                    if (byTid.get(tid) != earlier) {
                        continue;
                    }
                    if (earlier.kept != null) {
                        Attempt a = new Attempt(tid, key, id);
                        a.answering = true;
                        byTid.put(tid, a);
                        Result kept = earlier.kept;
                        earlier.kept = null; // now this repeat's: its expiry finds nothing
                        earlier.handedTo = a;
                        return new Begun.Kept(kept, a);
                    }
                    if (!earlier.answering) {
                        earlier.id = id; // its own notification is dead: a thread has one syscall held at a time
                        return new Begun.TakenOver(earlier);
                    }
                }
                discard(earlier);
                Attempt a = new Attempt(tid, key, id);
                byTid.put(tid, a);
                return new Begun.Fresh(a);
            }
        }
    }

    /**
     * {@link #begin}, for a call that may repeat one whose answer the kernel dropped
     * ({@link DroppedAnswers}): such a repeat becomes the attempt, answering with that answer
     * ({@link Begun.Kept}); fires nothing.
     *
     * @param pending whether a notification is still pending
     */
    Begun begin(int tid, Key key, long id, LongPredicate pending) {
        if (olderThanBegun(tid, id)) {
            return new Begun.TakenOver(null);
        }
        Result.Answer answer = dropped.repeatOf(tid, key, id, pending);
        if (answer == null) {
            return attempt(tid, key, id);
        }
        Attempt a = new Attempt(tid, key, id);
        a.answering = true;
        boolean[] newestStill = new boolean[1];
        boolean[] taken = new boolean[1];
        // The answer is taken, and the attempt made, only while no newer notification of the thread
        // began: atomic with olderThanBegun. A notification served late could otherwise take the
        // answer after the thread's real repeat had got it (kept by the attempt the kernel refused
        // it to) and the thread had moved on; its own answer then refused, it kept the answer for
        // the thread's next call with the same key, which got it unmade (a datagram of 20,000
        // reported sent and never sent, about one run in 30 of SignalledSendsTest under load). Dead,
        // it takes nothing. Taken at the look-up instead, by a repeat descheduled before its
        // attempt and meanwhile interrupted, the answer went to no one: the next repeat found no
        // record, was a new call and sent the datagram again (0-2 in 20,000 a run).
        newest.compute(tid, (t, begun) -> {
            newestStill[0] = begun != null && begun == id;
            taken[0] = newestStill[0] && dropped.take(tid, id, answer);
            if (taken[0]) {
                Attempt earlier = byTid.get(tid);
                if (earlier != null) {
                    synchronized (earlier) {
                        discard(earlier); // the task's call answered since: nothing can repeat it any more
                        earlier.notifyAll();
                    }
                }
                byTid.put(tid, a);
            }
            return begun;
        });
        if (taken[0]) {
            return new Begun.Kept(answer, a);
        }
        // Still the newest, and the record gone since the look-up: the kernel refused the answer
        // after all (the attempt it was sent for keeps it), or the task is gone. A call like any
        // other: the attempt's kept answer, or a fresh attempt whose look finds a dead one dead.
        // Taken over as dead, a live repeat was left unanswered, its task held until a signal.
        return newestStill[0] ? attempt(tid, key, id) : new Begun.TakenOver(null);
    }

    /**
     * Whether a notification newer than {@code id} of thread {@code tid} began already (then
     * {@code id} is dead); else {@code id} is the newest from now on.
     */
    private boolean olderThanBegun(int tid, long id) {
        boolean[] older = new boolean[1];
        newest.compute(tid, (t, begun) -> {
            // ids count up from a random start: compared as differences
            older[0] = begun != null && id - begun < 0;
            return older[0] ? begun : id;
        });
        return older[0];
    }

    /** The notifier is about to take a notification, then {@link #received} or {@link #receivedNone}. */
    void receiving() {
        dropped.receiving();
    }

    /** Notification {@code n} was received (notifier thread, every notification). */
    void received(SeccompNotification n) {
        dropped.received(n);
    }

    /** The notifier took no notification: it was gone. */
    void receivedNone() {
        dropped.receivedNone();
    }

    /**
     * Records that {@code answer} to {@code a}, made for notification {@code call}, is being sent
     * to notification {@code id} ({@link DroppedAnswers}); {@link #unsent} if the kernel refuses it.
     */
    DroppedAnswers.Sent sending(Attempt a, SeccompNotification call, Result.Answer answer, long id) {
        return dropped.sending(call, a.key, answer, id);
    }

    /** The answer recorded by {@link #sending} did not go: the notification was gone. */
    void unsent(DroppedAnswers.Sent s) {
        dropped.unsent(s);
    }

    /**
     * Task {@code tid} stopped for a signal with ERESTARTSYS from syscall {@code nr} with arguments
     * {@code args} (tracer thread): returns whether an answer to a call with those registers was
     * sent to it, which the kernel then dropped unless the task made the call again since: the
     * call must be repeated, and the repeat is told apart by {@link DroppedAnswers#repeatOf}.
     */
    static boolean interruptedAfterAnswer(int tid, long nr, long[] args) {
        boolean found = false;
        for (Restarts r : LIVE) {
            found |= r.dropped.interrupted(tid, nr, args);
        }
        return found;
    }

    /**
     * Whether the task of {@code a} is owed a result of it: one kept for its repeat, or one being
     * answered, or ({@code taken}) one the attempt made but has not answered yet. A signal that
     * cuts such an answer off must make the task repeat the call to get it ({@link SignalledCalls}).
     */
    boolean owes(Attempt a, boolean taken) {
        Attempt next;
        synchronized (a) {
            if (a.handedTo == null) {
                return byTid.get(a.tid) == a && (a.kept != null || (!a.settled && (taken || a.answering)));
            }
            next = a.handedTo;
        }
        // Handed to a repeat: owed as long as that repeat's attempt holds it (a signal stop that
        // finds the first attempt's call, before the repeat's registered its own, still repeats).
        return owes(next, false);
    }

    /** Waits, holding {@code a}'s monitor, until an attempt that began answering has settled (bounded). */
    private static void awaitSettled(Attempt a) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_WAIT_MS);
        while (a.answering && !a.settled) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(a, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Returns the notification {@code a} must answer now; from here on no repeat takes it over. */
    long answering(Attempt a) {
        synchronized (a) {
            a.answering = true;
            return a.id;
        }
    }

    /** Returns the notification a waiting attempt answers now: its own, or that of a repeat that took it over. */
    long current(Attempt a) {
        synchronized (a) {
            return a.id;
        }
    }

    /**
     * Ends an attempt that was still waiting (an accept, for a peer) when its notification
     * {@code dead} went away: its task was interrupted, or is gone. Nothing fired, nothing is
     * kept, and a later repeat is a new call. False when a repeat took the attempt over in the
     * meantime: it waits on for that one.
     */
    boolean giveUp(Attempt a, long dead) {
        synchronized (a) {
            if (a.id != dead) {
                return false;
            }
            a.answering = true;
            a.settled = true;
            byTid.remove(a.tid, a);
            a.notifyAll();
            return true;
        }
    }

    /**
     * Whether the thread of {@code a} has moved on: it made another call since (which discarded
     * {@code a}), or {@code a} ended. A repeat of {@code a} can no longer come to take it over.
     */
    boolean superseded(Attempt a) {
        return byTid.get(a.tid) != a;
    }

    /** The attempt was answered: nothing to keep. */
    void answered(Attempt a) {
        synchronized (a) {
            a.settled = true;
            byTid.remove(a.tid, a);
            a.notifyAll();
        }
    }

    /** The attempt was answered too late (ENOENT): {@code result} waits for its repeat. */
    void keep(Attempt a, Result result) {
        synchronized (a) {
            a.settled = true;
            if (byTid.get(a.tid) == a) {
                a.kept = result;
                // Without a thread to close it later (the kernel refused one), the fd is not kept:
                // the repeat, if it comes, is a new call.
                if (result instanceof Result.Fd
                        && !ThreadStarts.tryStart(() -> watch(a, result, new RepeatWatch(a.tid, a.key.nr)))) {
                    discard(a);
                }
            } else if (result instanceof Result.Fd f) {
                PathCalls.close(f.fd()); // another call of the thread came first: no repeat will come for this one
            }
            a.notifyAll();
        }
    }

    /** Looks at {@code a}'s task again in {@link #CHECK_MS}, while its {@code result} is kept. */
    private void watch(Attempt a, Result result, RepeatWatch watch) {
        expiry().schedule(() -> check(a, result, watch), CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes {@code a}'s kept fd once its task is gone or has been away from the call for
     * {@link #KEEP_MS}: no repeat will come, and a late one is a new call. Ends quietly once a
     * repeat took the result.
     */
    private void check(Attempt a, Result result, RepeatWatch watch) {
        synchronized (a) {
            if (a.kept != result) {
                return;
            }
        }
        if (!watch.movedOn(TimeUnit.MILLISECONDS.toNanos(KEEP_MS))) {
            watch(a, result, watch);
            return;
        }
        synchronized (a) {
            if (a.kept == result) {
                discard(a);
            }
        }
    }

    private synchronized ScheduledExecutorService expiry() {
        if (expiry == null) {
            expiry = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("seccheck-restarts").factory());
        }
        return expiry;
    }

    /**
     * Starts the thread that closes kept fds, before the program runs: it then keeps fds for
     * repeats when the program has used up the tasks its user or cgroup may have (the thread,
     * a core one, never ends while the run lasts).
     */
    void prestart() {
        expiry();
        synchronized (this) {
            expiry.prestartCoreThread();
        }
    }

    /** Closes every kept fd (the run is ending). */
    void close() {
        LIVE.remove(this);
        synchronized (this) {
            if (expiry != null) {
                expiry.shutdownNow();
            }
        }
        for (Attempt a : byTid.values()) {
            synchronized (a) {
                discard(a);
            }
        }
        byTid.clear();
        dropped.clear();
        newest.clear();
    }

    private void discard(Attempt a) {
        if (a.kept instanceof Result.Fd f) {
            PathCalls.close(f.fd());
        }
        a.kept = null;
        byTid.remove(a.tid, a);
    }
}
