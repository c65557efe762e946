package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * FifoWaits ends the FIFO opens seccheck performs for calls no longer awaited. An open of a FIFO
 * waits, on a thread of seccheck's pool, for the other end to be opened; when nothing would end
 * that wait, the thread was lost for the rest of the run, and 1,024 such made every later call
 * that may wait fail with EAGAIN (the pool's bound). Two ways left a wait behind: a program that
 * started and killed such openers, and a program whose open a signal interrupted (EINTR, a handler
 * without SA_RESTART) and which then made another call, or none again: the task lives on, but its
 * call is over, and a thread of seccheck's waited for it still. A sweeper looks at the waits every
 * {@link #SWEEP_MS} ms and ends one whose task is gone (or a zombie, or its number another task's
 * now), whose thread made another call since ({@link Standing#SUPERSEDED}), or whose call stayed
 * interrupted without a repeat taking it over for {@link #REPEAT_WINDOW_MS} ({@link #ends}). It
 * ends one by opening the FIFO's other end itself, without waiting, and closing it at once: the
 * open it performs returns, and the pool thread finds the call no longer awaited (its attempt was
 * given up first, so a late repeat is a new call). A process of the program waiting on the same
 * FIFO's other end then sees that end opened and closed, as if a process had come and gone. Such an
 * open also ends every other open waiting on the same side of that FIFO, so a wait is ended only
 * while no awaited one waits there: until then its thread stays taken (a program looping on
 * interrupted opens of one FIFO holds a thread per interrupted open until it stops, and past the
 * pool's bound its opens fail with EAGAIN meanwhile).
 * Process-wide: the FIFOs are reached through seccheck's own fds.
 */
final class FifoWaits {

    /** How often the waiting tasks are looked at. */
    static final long SWEEP_MS = 250;

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
    static final FifoWaits ALL = new FifoWaits();

    /**
     * One open waiting: its call and task, our O_PATH fd of the FIFO, the side it opens, and
     * whether it ended. {@link #interruptedSince} is the sweeper's alone.
     */
    private static final class Wait {
        final Awaited call;
        final int tid;
        final long startTicks;
        final int fifo;
        final boolean reads;
        boolean ended;
        long interruptedSince;

        Wait(Awaited call, int tid, long startTicks, int fifo, boolean reads) {
            this.call = call;
            this.tid = tid;
            this.startTicks = startTicks;
            this.fifo = fifo;
            this.reads = reads;
        }
    }

    private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
    private Thread sweeper;

    private FifoWaits() {}

    /**
     * Performs {@code open}, an open of the FIFO our O_PATH fd {@code fifo} names for {@code call}
     * of task {@code tid}, for reading when {@code reads} (else for writing), which may wait for
     * the other end; ended as above if the task is gone or the call no longer awaited meanwhile.
     * Returns what {@code open} returns. The call's state the sweeper reads was set on this thread
     * before: adding the wait to the concurrent set publishes it.
     */
    int around(Awaited call, int tid, int fifo, boolean reads, IntSupplier open) {
        OptionalLong start = Procfs.startTicks(tid);
        if (start.isEmpty()) {
            return open.getAsInt(); // gone already: its answer goes nowhere, and it is not waited for below
        }
        Wait w = new Wait(call, tid, start.getAsLong(), fifo, reads);
        waits.add(w);
        sweeping();
        try {
            return open.getAsInt();
        } finally {
            synchronized (w) {
                w.ended = true; // before the caller releases our fd of the FIFO
            }
            waits.remove(w);
        }
    }

    private synchronized void sweeping() {
        if (sweeper == null) {
            sweeper = Thread.ofPlatform().daemon().name("seccheck-fifo-waits").start(this::sweep);
        }
    }

    private void sweep() {
        PathCalls calls = new PathCalls();
        while (true) {
            try {
                Thread.sleep(SWEEP_MS);
            } catch (InterruptedException e) {
                return;
            }
            List<Wait> ending = new ArrayList<>();
            Set<List<Long>> awaited = new HashSet<>();
            for (Wait w : waits) {
                if (gone(w) || abandoned(w)) {
                    ending.add(w);
                } else {
                    awaited.add(side(calls, w));
                }
            }
            for (Wait w : ending) {
                // Opening the other end ends every open waiting on that side of the FIFO, an awaited
                // one too: a thread whose interrupted open was followed by another of the same FIFO
                // got an fd where natively it got EINTR. Such a wait ends once none there is awaited.
                if (!awaited.contains(side(calls, w))) {
                    end(calls, w);
                }
            }
        }
    }

    /** The FIFO {@code w} waits on, and its side: {device, inode, 1 for reading}; empty when it cannot be told. */
    private static List<Long> side(PathCalls calls, Wait w) {
        PathCalls.Stat st = calls.fstat(w.fifo);
        return st == null ? List.of() : List.of(st.dev(), st.ino(), w.reads ? 1L : 0L);
    }

    /** Whether the task of {@code w} has exited (or is a zombie), or its number is another task's now. */
    private static boolean gone(Wait w) {
        try {
            String[] stat = Procfs.statFieldsAfterComm(w.tid);
            return stat[0].equals("Z") || stat[0].equals("X") || Procfs.statStartTicks(stat) != w.startTicks;
        } catch (java.io.IOException | RuntimeException e) {
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

    /** Opens the other end of {@code w}'s FIFO without waiting and closes it, unless its open ended already. */
    private static void end(PathCalls calls, Wait w) {
        synchronized (w) {
            if (!w.ended) {
                int other = calls.openat(AT_FDCWD, "/proc/self/fd/" + w.fifo, (w.reads ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
                PathCalls.close(other);
            }
        }
    }
}
