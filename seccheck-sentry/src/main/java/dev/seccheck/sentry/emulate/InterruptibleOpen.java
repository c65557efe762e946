package dev.seccheck.sentry.emulate;

import java.util.concurrent.TimeUnit;

/**
 * InterruptibleOpen is an open seccheck performs, as a signal to its task finds it
 * ({@link SignalledCalls}): where the knowledge "natively interruptible or not" of an open lives.
 * The notifier walks every open first and serves whole those whose walk found they cannot wait (a
 * regular file or a directory on a local filesystem, {@code OpenEmulation.mayBlock}); it gives the
 * others to a pool thread: a FIFO waiting for its peer, a device, a filesystem that may block, a
 * file whose lease must be broken first.
 * <ul>
 *   <li>One that cannot wait is never interrupted natively: a signal makes the task repeat the call
 *       after the handler, with or without SA_RESTART, and the repeat gets what seccheck's open did
 *       (its result kept, {@link Restarts}), or is decided and made anew when nothing was made yet.
 *       Before, it failed with EINTR without SA_RESTART, the file created all the same (a retry got
 *       EEXIST).
 *   <li>One that may wait keeps ERESTARTSYS (EINTR without SA_RESTART), as natively, until its open
 *       was made and is owed to the task ({@link Call#owes}): then the task repeats it and gets it,
 *       as the kernel's own open, done before the signal was seen, returns its fd.
 *   <li>A FIFO's that cannot wait for the other end (O_NONBLOCK, O_RDWR: {@link FifoEnd#takesTheLockOnly})
 *       is made on a pool thread, since it waits for the FIFO's lock, which the program can hold;
 *       natively that wait is uninterruptible, and the open never fails with EINTR. It is repeated as
 *       one that cannot wait, from the notifier's walk on, across the hand-off to the pool (the
 *       notifier's registration stands until the pool thread's replaces it) and through the pool
 *       thread's own walk. Before, it kept ERESTARTSYS: 2,990 of 3,000 such opens under a 50 us
 *       timer failed with EINTR (FifoOpensWithoutWaitTest).
 *   <li>One whose walk has not found yet (the notifier is reading its path, walking it) is waited
 *       for, on the tracer thread, for at most {@link #CLASSIFY_WAIT_MS}: the walk on the notifier
 *       never waits (it gives up on a filesystem that may block), and takes microseconds.
 * </ul>
 * A signal that ends the task's wait before the notifier received the notification finds no
 * registration (the kernel drops such a notification): the call keeps ERESTARTSYS, since it may be
 * a FIFO's. A registration stays while the task is owed the result; one whose attempt ended or was
 * superseded (its task made another call) no longer stands, and the stop is answered as for a call
 * not registered.
 */
final class InterruptibleOpen implements SignalledCalls.Interruptible {

    /** How long a signal stop waits for the notifier's walk to say whether the open can wait. */
    static final long CLASSIFY_WAIT_MS = 20;

    /** What the open's walk found of its wait. */
    enum Kind {
        /** Not found yet. */
        WALKING,
        /** Served whole on the notifier: never waits. */
        CANNOT_WAIT,
        /** On a pool thread: may wait where the kernel's own open is interrupted (a FIFO's peer, a device). */
        MAY_WAIT,
        /** On a pool thread: waits at most for a FIFO's lock, which natively no signal interrupts. */
        LOCK_ONLY
    }

    private final Call call;
    /** Guarded by this. */
    private Kind kind;
    /** Set once the notifier is done with the call (answered, or given to the pool); guarded by this. */
    private boolean served;

    private InterruptibleOpen(Call call, Kind kind) {
        this.call = call;
        this.kind = kind;
    }

    /**
     * Runs {@code serve}, a pool thread's part of the open {@code call}, which may wait; registered
     * meanwhile, as the notifier found it ({@code handed}: {@link #handedOver}) until a walk here
     * finds otherwise ({@link #found}).
     */
    static void onPool(Call call, Kind handed, Runnable serve) {
        InterruptibleOpen open = new InterruptibleOpen(call, handed == Kind.LOCK_ONLY ? Kind.LOCK_ONLY : Kind.MAY_WAIT);
        if (call.registered() == null) {
            call.registered(open); // a call the pool walks itself; one the notifier began keeps its own
        }
        SignalledCalls.entered(call.tid(), open);
        try {
            serve.run();
        } finally {
            left(call, open);
        }
    }

    /** The notifier received the open {@code call}: registered, its walk not done, until {@link #served}. */
    static void received(Call call) {
        InterruptibleOpen open = new InterruptibleOpen(call, Kind.WALKING);
        call.registered(open);
        SignalledCalls.entered(call.tid(), open);
    }

    /** The walk, on the notifier or on a pool thread, found what {@code call}'s open may wait for. */
    static void found(Call call, Kind kind) {
        if (call.registered() instanceof InterruptibleOpen open) {
            synchronized (open) {
                open.kind = kind;
                open.notifyAll();
            }
        }
    }

    /**
     * The notifier is done with {@code call}: its registration ends, unless the task is owed its
     * result, or the call goes to a pool thread as one that only waits for a FIFO's lock (the pool
     * thread's registration replaces it: a signal in between must not find none).
     */
    static void served(Call call) {
        if (call.registered() instanceof InterruptibleOpen open) {
            boolean handed;
            synchronized (open) {
                open.served = true;
                handed = open.kind == Kind.LOCK_ONLY;
                open.notifyAll();
            }
            if (!handed) {
                left(call, open);
            }
        }
    }

    /** What the notifier found of {@code call}, an open it gave up, for the pool thread's {@link #onPool}. */
    static Kind handedOver(Call call) {
        if (call.registered() instanceof InterruptibleOpen open) {
            synchronized (open) {
                return open.kind;
            }
        }
        return Kind.MAY_WAIT;
    }

    /** No pool thread took {@code call}, which the notifier gave up (it fails): its registration ends. */
    static void notTaken(Call call) {
        if (call.registered() instanceof InterruptibleOpen open) {
            SignalledCalls.left(call.tid(), open);
        }
    }

    /**
     * The call's registration ends, unless its task is owed its result; or, for one that only waits
     * for a FIFO's lock and was taken over by the attempt it repeats, until that attempt answered:
     * a signal meanwhile must find it registered, to repeat it again.
     */
    private static void left(Call call, InterruptibleOpen open) {
        boolean lockOnly;
        synchronized (open) {
            lockOnly = open.kind == Kind.LOCK_ONLY;
        }
        if (!call.owes(false) && !(lockOnly && call.repeatOwed())) {
            SignalledCalls.left(call.tid(), open);
        }
    }

    @Override
    public int nr() {
        return call.notification().nr();
    }

    @Override
    public boolean stands() {
        return call.owes(false) || call.repeatOwed() || !call.takenOver() && !call.superseded();
    }

    /**
     * Repeated when owed a result, or when it cannot wait and is still being served; else
     * ERESTARTSYS as it is. A call the notifier answered before its walk found anything (a fault,
     * refused flags) never waited either: owed its answer, it is repeated. One that may wait has
     * seccheck's own open ended first ({@link Waits#endOpensOf(Waits.Awaited)}), before the task goes
     * on: natively the signal undoes the open as it is noticed, so a writer the program opens with
     * O_NONBLOCK once its open returned EINTR finds no reader. Before, the open was ended only by
     * the look every {@link Waits#QUICK_MS} ms, and such a writer found seccheck's reader in 12-22
     * rounds of 200. An open that completed before it could be ended (its peer came) is owed:
     * repeated, its fd kept for the repeat ({@link Restarts}), as the kernel's own open, done
     * before the signal was noticed, returns its fd. With SA_RESTART the repeat takes the attempt
     * over and the open is made again for it ({@link FifoEnd}). One that only waits for a FIFO's
     * lock is repeated: the repeat takes over the attempt still waiting, or gets its result kept.
     */
    @Override
    public long atSignal() {
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLASSIFY_WAIT_MS);
            while (kind == Kind.WALKING && !served) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (call.owes(false)) {
                return SignalledCalls.ERESTARTNOINTR;
            }
            if (kind == Kind.CANNOT_WAIT && !served || kind == Kind.LOCK_ONLY) {
                return SignalledCalls.ERESTARTNOINTR;
            }
            if (kind != Kind.MAY_WAIT) {
                return 0;
            }
        }
        // Not under this monitor: the pool thread whose open ends may reach it meanwhile.
        boolean made = Waits.ALL.endOpensOf(call);
        return made || call.owes(false) ? SignalledCalls.ERESTARTNOINTR : 0;
    }
}
