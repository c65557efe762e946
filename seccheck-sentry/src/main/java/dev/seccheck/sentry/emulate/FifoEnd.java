package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Syscalls;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * FifoEnd is one open of a FIFO that seccheck performs for a program and that waits for the other
 * end ({@link Waits}), made so that it stops counting as a reader or writer when the program's
 * call is interrupted, as the kernel's own open does at a signal. Natively a signal that reaches
 * an open waiting for a writer undoes it at once: no reader is left, a writer that comes before
 * the open is repeated (SA_RESTART, or the program's own retry) waits for that repeat and pairs
 * with it, and one that opens with O_NONBLOCK gets ENXIO. Seccheck's open waits on a thread of its
 * own, which the task's signal does not reach; before, it went on waiting (for a repeat to take it
 * over), so a writer paired with it: the writer's data went into a read end no one would read, the
 * repeated open waited for a writer that had come and gone, and a writer with O_NONBLOCK found a
 * reader where natively there was none.
 *
 * <p>Now such an open is ended as the signal's stop finds it ({@link InterruptibleOpen#atSignal},
 * before the task goes on), or else (a stop, a signal the task does not handle) by {@link Waits}
 * within {@link Waits#QUICK_MS} of its call no longer being awaited, with
 * {@link BlockingSocketCall#SIGNAL} sent to the thread in it (the open is made with that signal
 * unblocked; its handler lacks SA_RESTART, so the kernel undoes the open and returns EINTR, and no
 * other open of the FIFO sees anything). The attempt is not given up at once: a
 * repeat that comes within {@link Waits#REPEAT_WINDOW_MS} takes it over ({@link Restarts}) and
 * this thread opens again for it, its enter points fired once; when none comes, or the thread made
 * another call, the attempt is given up and a later repeat is a new call. An open the kernel
 * completed before it was ended still returns its fd, which answers the call, or is kept for its
 * repeat when the call was interrupted meanwhile ({@link Restarts#KEEP_MS}), as natively the open
 * that completed before the signal was noticed returns its fd.
 *
 * <p>An open of a regular file that waits for a lease on it to break is made so too (on a pool
 * thread, {@code OpenEmulation.finish}): natively a signal ends that wait, and nothing is opened
 * or truncated.
 */
final class FifoEnd implements Waits.Ender {

    /** The thread making the open (0 until it starts), as the sweeper signals it. */
    private volatile int thread;
    /** Set by the sweeper before its first signal: an EINTR after it ends the open. */
    private volatile boolean ending;

    private static final int PID = (int) ProcessHandle.current().pid();

    private FifoEnd() {}

    /** Whether a FIFO's open with {@code flags} waits for the other end: blocking, and for one side only. */
    static boolean waitsForThePeer(int flags) {
        int access = flags & O_ACCMODE;
        return (flags & (O_NONBLOCK | O_PATH)) == 0 && (access == O_RDONLY || access == O_WRONLY);
    }

    /**
     * Whether an open with {@code flags} of the object of status {@code st} is a FIFO's that never
     * waits for the other end (O_NONBLOCK, O_RDWR): fs/pipe.c's fifo_open then only takes the
     * pipe's mutex, uninterruptibly, so natively no signal interrupts it ({@link InterruptibleOpen}).
     */
    static boolean takesTheLockOnly(PathCalls.Stat st, int flags) {
        return st != null && st.isFifo() && (flags & O_PATH) == 0 && !waitsForThePeer(flags);
    }

    /**
     * Performs {@code open}, a blocking open of a FIFO for {@code call} of task {@code tid}, which
     * may wait for the other end: its fd or -errno, -EINTR when the call was given up (the answer
     * then goes to no one).
     */
    static int open(Waits.Awaited call, int tid, IntSupplier open) {
        if (call.standing() != Waits.Standing.AWAITED && !repeated(call)) {
            // Dead before it opened anything: a notification served after its thread had moved on
            // (one of several of an interrupted task, served late). Kept, its attempt would take
            // over the thread's next open of the same name, which may be another FIFO by then.
            return -Errno.EINTR;
        }
        while (true) {
            FifoEnd end = new FifoEnd();
            int r = (int) Waits.ALL.around(call, tid, end, () -> end.make(call, open));
            if (r != -Errno.EINTR || !end.ending || !repeated(call)) {
                return r;
            }
        }
    }

    /**
     * Makes the open on the calling thread with the signal unblocked, and its EINTR returned
     * ({@link PathCalls#endedByEintr}); an EINTR not asked for makes it again. A call whose task
     * died before the wait was registered, which {@link Waits#endOpensOf} may have looked for
     * already, is not made (as one ended: EINTR).
     */
    private int make(Waits.Awaited call, IntSupplier open) {
        thread = Syscalls.gettid();
        if (call.standing() != Waits.Standing.AWAITED) {
            ending = true;
            return -Errno.EINTR;
        }
        while (true) {
            int r = (int) Signals.unblockedDuring(BlockingSocketCall.SIGNAL, () -> PathCalls.endedByEintr(open::getAsInt));
            if (r != -Errno.EINTR || ending) {
                return r;
            }
        }
    }

    /**
     * Waits for a repeat to take the interrupted call over, polling every {@link Waits#QUICK_MS}:
     * true when one did; false when the call was given up (no repeat within the window, or the
     * thread made another call, or its task is gone).
     */
    private static boolean repeated(Waits.Awaited call) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Waits.REPEAT_WINDOW_MS);
        boolean interrupted = Thread.interrupted(); // kept for after: a set flag would make each park return at once
        try {
            while (true) {
                Waits.Standing standing = call.standing();
                if (standing == Waits.Standing.AWAITED) {
                    return true;
                }
                if ((standing == Waits.Standing.SUPERSEDED || System.nanoTime() - deadline >= 0) && call.giveUp()) {
                    return false;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Waits.QUICK_MS));
                interrupted |= Thread.interrupted();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** As soon as its call is not awaited: the kernel undoes an interrupted open at once. */
    @Override
    public boolean endsAtInterrupt() {
        return true;
    }

    /**
     * Signals the thread in the open. A signal that lands just before the thread enters the open is
     * taken there and ends nothing: the next look signals again, until the open returns.
     */
    @Override
    public void end(PathCalls calls) {
        ending = true;
        int t = thread;
        if (t != 0) {
            Syscalls.signalThread(PID, t, BlockingSocketCall.SIGNAL);
        }
    }
}
