package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadStarts;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Waits ends the waits seccheck performs for calls no longer awaited. Some calls it performs on a
 * thread of its pool wait in the kernel: an open of a FIFO for the other end ({@link FifoEnd}), a
 * blocking connect for a listener's backlog or a TCP handshake, a blocking send for its receiver
 * to read ({@link BlockingSocketCall}). When nothing would end such a wait the thread was lost,
 * for good or for minutes, and 1,024 such made every later call that may wait fail with EAGAIN
 * (the pool's bound). Two ways left a wait behind:
 * a program that started and killed such callers, and a program whose call a signal interrupted
 * (EINTR, a handler without SA_RESTART) and which then made another call, or none again: the task
 * lives on, but its call is over, and a thread of seccheck's waited for it still. A sweeper looks
 * at the waits every {@link #SWEEP_MS} ms and ends one whose task is gone (or a zombie, or its
 * number another task's now), whose thread made another call since ({@link Standing#SUPERSEDED}),
 * or whose call stayed interrupted without a repeat taking it over for {@link #REPEAT_WINDOW_MS}
 * ({@link #ends}). Each kind of wait has its {@link Ender}; the sweeper calls it at each sweep
 * until the wait returns (a signal may come just before the thread enters the call it would have
 * interrupted), and the pool thread finds the call no longer awaited: its attempt was given up
 * first, so a late repeat is a new call, and the answer goes to no one. A FIFO open is looked at
 * every {@link #QUICK_MS} ms instead and ended as soon as its call is not awaited
 * ({@link Ender#endsAtInterrupt}), as the kernel undoes an interrupted open at once. Every ender
 * signals the thread in its own call and ends no other wait (FIFO opens were once ended by opening
 * the other end, which ended every open waiting on that side of it).
 * Process-wide: the waits are reached through seccheck's own fds and threads.
 */
final class Waits {

    /** How often the waiting tasks are looked at. */
    static final long SWEEP_MS = 250;

    /**
     * How often the calls of waits that end as soon as their call is interrupted
     * ({@link Ender#endsAtInterrupt}: a FIFO open) are looked at, while there are any: one ioctl
     * each. A writer that opens within this time of the reader's signal still pairs with seccheck's
     * open, whose fd is then kept for the reader's repeat.
     */
    static final long QUICK_MS = 2;

    /**
     * How long an interrupted call may stay unrepeated before its wait ends: as long as a result
     * answered too late is kept for a repeat ({@link Restarts#KEEP_MS}); the kernel repeats as the
     * signal handler returns, so a call still unrepeated then was failed with EINTR.
     */
    static final long REPEAT_WINDOW_MS = Restarts.KEEP_MS;

    /** Where a waiting call stands for its program, as {@link Awaited#standing} tells. */
    enum Standing {
        /** Its notification, or that of a repeat that took it over, is pending: the task waits for it. */
        AWAITED,
        /** Its notification is dead (a signal), and the thread made no other call since: a repeat may take it over. */
        INTERRUPTED,
        /** Its notification is dead and the thread made another call since: no repeat will come. */
        SUPERSEDED
    }

    /** The call a wait performs, as the sweeper asks about it ({@link Call} is one). */
    interface Awaited {
        /** Where the call stands now. Called from the sweeper while the call's thread waits. */
        Standing standing();

        /**
         * Ends the call's attempt if its notification is still dead, so that a late repeat is a new
         * call; false when a repeat took it over meanwhile (it is awaited again).
         */
        boolean giveUp();
    }

    /** How one kind of wait is ended, called on the sweeper with its {@link PathCalls}. */
    interface Ender {
        /**
         * Makes the waiting call return. Called under the wait's lock while it has not returned,
         * at each sweep until it does.
         */
        void end(PathCalls calls);

        /**
         * Whether the wait ends as soon as its call is not awaited (within {@link #QUICK_MS}),
         * its attempt not given up: the waiting thread itself then waits for a repeat and makes the
         * call again for it ({@link FifoEnd}). Else it ends as {@link #ends} says.
         */
        default boolean endsAtInterrupt() {
            return false;
        }
    }

    /**
     * Whether a wait whose call stands at {@code now} as {@code standing}, first seen interrupted
     * at {@code interruptedSince} (0 when it was not), must end. Times in nanoseconds.
     */
    static boolean ends(Standing standing, long interruptedSince, long now) {
        return switch (standing) {
            case AWAITED -> false;
            case SUPERSEDED -> true;
            case INTERRUPTED -> interruptedSince != 0
                    && now - interruptedSince >= TimeUnit.MILLISECONDS.toNanos(REPEAT_WINDOW_MS);
        };
    }

    /** The one instance of this JVM. */
    static final Waits ALL = new Waits();

    /**
     * One call waiting: the call, its task, how it is ended, and whether it returned.
     * {@link #startTicks} and {@link #interruptedSince} are the sweeper's alone.
     */
    private static final class Wait {
        final Awaited call;
        final int tid;
        final Ender ender;
        boolean returned;
        /** What the call returned, once {@link #returned}: an fd it made, or -errno. */
        long result;
        /** The task's start time as the sweeper first saw it (0: not seen yet), which tells a reused number. */
        long startTicks;
        long interruptedSince;

        Wait(Awaited call, int tid, Ender ender) {
            this.call = call;
            this.tid = tid;
            this.ender = ender;
        }
    }

    private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
    /** Set once the sweeper runs; read without the lock on every call that may wait. */
    private volatile Thread sweeper;

    private Waits() {}

    /**
     * Performs {@code call}'s operation {@code op} for task {@code tid}, which may wait; ended by
     * {@code ender} as above if the task is gone or the call no longer awaited meanwhile. Returns
     * what {@code op} returns. The call's state the sweeper reads was set on this thread before:
     * adding the wait to the concurrent set publishes it. Nothing is read from /proc here: most
     * such calls (a connect to a listener with room) return long before the first sweep, and the
     * sweeper reads the task's start time when it first sees the wait; a task gone before that has
     * a dead notification, so its wait ends within the repeat window at worst.
     */
    long around(Awaited call, int tid, Ender ender, LongSupplier op) {
        Wait w = new Wait(call, tid, ender);
        synchronized (this) {
            waits.add(w); // not while the sweeper ends a wait: see sweep
        }
        Thread s = sweeper;
        if (s == null) {
            sweeping();
        } else if (ender.endsAtInterrupt()) {
            LockSupport.unpark(s); // from a sweep's sleep to quick looks
        }
        long result = -1;
        try {
            result = op.getAsLong();
            return result;
        } finally {
            synchronized (w) {
                w.returned = true; // before the caller releases what the ender uses (our fd of the FIFO)
                w.result = result;
                w.notifyAll(); // to endOpensOf, waiting for it
            }
            waits.remove(w);
        }
    }

    /**
     * Starts the sweeper if it does not run yet. The emulator calls it before the program's first
     * instruction: a program that then uses up the tasks its user or cgroup may have leaves the
     * sweeper running. Refused a thread here (the first wait of a JVM that embeds the emulator
     * otherwise), the wait goes on unswept, and the next one tries again: before, the refusal's
     * OutOfMemoryError ended the pool thread making the call, and the pool lost its threads.
     */
    synchronized void sweeping() {
        if (sweeper == null) {
            try {
                sweeper = Thread.ofPlatform().daemon().name("seccheck-waits").start(this::sweep);
            } catch (OutOfMemoryError e) {
                if (!ThreadStarts.refused(e)) {
                    throw e;
                }
            }
        }
    }

    private void sweep() {
        PathCalls calls = new PathCalls();
        long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWEEP_MS);
        while (true) {
            boolean quick = waits.stream().anyMatch(w -> w.ender.endsAtInterrupt());
            LockSupport.parkNanos(quick ? TimeUnit.MILLISECONDS.toNanos(QUICK_MS) : next - System.nanoTime());
            if (Thread.interrupted()) {
                return;
            }
            for (Wait w : waits) {
                if (w.ender.endsAtInterrupt() && w.call.standing() != Standing.AWAITED) {
                    end(calls, w);
                }
            }
            if (System.nanoTime() - next < 0) {
                continue;
            }
            next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWEEP_MS);
            Set<Wait> ending = new HashSet<>();
            for (Wait w : waits) {
                if (gone(w) || abandoned(w)) {
                    ending.add(w);
                }
            }
            for (Wait w : ending) {
                // Each ender signals the thread in its own call and ends no other wait; ended under
                // the lock new waits register with.
                synchronized (this) {
                    end(calls, w);
                }
            }
        }
    }

    /**
     * Task {@code tid} is gone (the tracer has reaped it): ends the waits of its calls that end as
     * soon as their call is not awaited (a FIFO open: {@link Ender#endsAtInterrupt}) now, and
     * returns once each has returned (its open undone, or at most {@link #END_WAIT_MS} ms). Called
     * by the tracer before its next wait: the kernel tells a traced thread's death to the parent
     * only when the tracer reaps the process's leader, which comes after every other thread's reap
     * (and, for a thread in an open here, this call), so the parent never sees the FIFO keep the
     * dead thread's reader. Before, only the look every {@link #QUICK_MS} ms ended it, and a
     * writer the parent opened with O_NONBLOCK once waitpid returned found a reader most times.
     * A call that registers its wait after this look finds its notification dead already (the
     * task died before its reap), and makes no open ({@link FifoEnd}): the lock orders the two.
     */
    void endOpensOf(int tid) {
        endOpens(w -> w.tid == tid);
    }

    /**
     * Ends the waits of {@code call} that end as soon as their call is not awaited (a FIFO open,
     * {@link Ender#endsAtInterrupt}) now, and returns once each has returned (at most
     * {@link #END_WAIT_MS} ms): true when one of them had made its open before it was ended (an fd,
     * which its task is owed). Called on the tracer thread at the stop of a signal that ended the
     * task's wait for the call ({@link InterruptibleOpen#atSignal}), before the task goes on: the
     * kernel undoes its own open as the signal is noticed, and a writer the program opens with
     * O_NONBLOCK right after the EINTR must find no reader.
     */
    boolean endOpensOf(Awaited call) {
        return endOpens(w -> w.call == call);
    }

    private boolean endOpens(Predicate<Wait> of) {
        if (waits.isEmpty()) {
            return false;
        }
        Set<Wait> ending = new HashSet<>();
        synchronized (this) {
            for (Wait w : waits) {
                if (of.test(w) && w.ender.endsAtInterrupt()) {
                    ending.add(w);
                }
            }
        }
        if (ending.isEmpty()) {
            return false;
        }
        PathCalls calls = new PathCalls();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_WAIT_MS);
        boolean made = false;
        for (Wait w : ending) {
            synchronized (w) {
                // Signalled again at each turn: a signal that lands before the thread enters its
                // open ends nothing. The open returns within microseconds of one that lands in it.
                while (!w.returned && System.nanoTime() - deadline < 0) {
                    w.ender.end(calls);
                    try {
                        w.wait(QUICK_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return made;
                    }
                }
                made |= w.returned && w.result >= 0;
            }
        }
        return made;
    }

    /** How long {@link #endOpensOf} waits for the opens it ends (the sweeper ends any left). */
    static final long END_WAIT_MS = 500;

    /** Whether the task of {@code w} has exited (or is a zombie), or its number is another task's now. */
    private static boolean gone(Wait w) {
        try {
            String[] stat = Procfs.statFieldsAfterComm(w.tid);
            long ticks = Procfs.statStartTicks(stat);
            if (w.startTicks == 0) {
                w.startTicks = ticks;
            }
            return stat[0].equals("Z") || stat[0].equals("X") || ticks != w.startTicks;
        } catch (java.io.IOException e) {
            return Procfs.gone(e); // else unreadable for now (seccheck out of descriptors): looked at again
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Whether the program no longer waits for {@code w}'s call ({@link #ends}); its attempt is
     * then given up, unless a repeat took it over at that moment.
     */
    private static boolean abandoned(Wait w) {
        Standing standing = w.call.standing();
        long now = System.nanoTime();
        if (standing != Standing.INTERRUPTED) {
            w.interruptedSince = 0;
        } else if (w.interruptedSince == 0) {
            w.interruptedSince = now | 1; // never 0, which means "not seen interrupted"
        }
        return ends(standing, w.interruptedSince, now) && w.call.giveUp();
    }

    /** Ends {@code w} with its ender, unless its call returned already. */
    private static void end(PathCalls calls, Wait w) {
        synchronized (w) {
            if (!w.returned) {
                w.ender.end(calls);
            }
        }
    }
}
