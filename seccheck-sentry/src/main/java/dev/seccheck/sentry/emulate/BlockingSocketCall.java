package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.Syscalls;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * BlockingSocketCall is one connect or send seccheck performs for a program on its copy of the
 * program's socket, which may wait in the kernel: a connect for good on a unix listener whose
 * backlog is full (unless the program set SO_SNDTIMEO), about two minutes for a TCP peer that drops
 * SYNs; a send for as long as its receiver reads nothing (a unix datagram or seqpacket peer whose
 * queue is full, a TCP peer whose window is closed). {@link Waits} ends it when the program no
 * longer waits for it, with {@link #SIGNAL} sent to the thread in the call: its handler does nothing
 * and lacks SA_RESTART, so the call fails with EINTR (a stream send that had sent part of its data
 * returns that count). A unix connect is then abandoned, as natively (the program's next connect
 * starts afresh; before, seccheck's wait went on and could connect the program's socket behind its
 * back after it had got EINTR); a TCP connect goes on in the background, as natively after an
 * interrupted connect (closing our copy of the socket would not stop it either while the program
 * holds the socket). A datagram whose send is ended is not sent, as natively after EINTR (before,
 * seccheck's send went on and delivered it once the receiver read, after the program had got
 * EINTR, and a program that killed its senders held a thread of seccheck's per send). A
 * non-blocking call returns at once (EINPROGRESS, EAGAIN), before any sweep sees it.
 *
 * <p>The signal is blocked in every thread of seccheck's but around such a call (the pool's threads
 * block it as they start, the CLI's main thread before it starts any other): a signal sent to
 * seccheck's process from outside can then interrupt nothing else, and one sent to a thread just
 * before or after its call stays pending until its next such call, where it is taken as the mask is
 * lifted, before the call starts. Within a call, an EINTR the sweeper did not ask for (such a signal
 * from outside, or one meant for this thread's previous call) makes the call again, as the kernel
 * repeats a connect or a send whose handler has SA_RESTART: a unix connect starts afresh, a TCP one
 * goes on waiting for the handshake it started, and a send that returned EINTR had sent nothing.
 */
final class BlockingSocketCall implements Waits.Ender, SignalledCalls.Interruptible {

    /**
     * The signal: seccheck's own ({@link Signals#INTERRUPT}); its default action would end the
     * process, so the handler is installed before any call can be sent one.
     */
    static final int SIGNAL = Signals.INTERRUPT;

    private static final int PID = (int) ProcessHandle.current().pid();
    /** How long the tracer waits for the call to return once signalled (it returns at once). */
    private static final long SETTLE_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Waits.Awaited call;
    private final int tid;
    private final int nr;
    /** Our copy of the program's socket, whose SO_SNDTIMEO tells how a signal ends the call. */
    private final int sock;

    /** The thread making the call (0 until it starts), as the sweeper signals it. */
    private volatile int thread;
    /** Set by the sweeper before its first signal: an EINTR after it ends the call. */
    private volatile boolean ending;
    /** Whether the thread is in the kernel's call now; guarded by this. */
    private boolean inCall;
    /** Whether the call returned for good, and what; guarded by this. */
    private boolean returned;
    private long result;
    /**
     * Set when a signal to the task found the call having done nothing for it: the thread makes
     * it again only for a repeat that takes it over; guarded by this.
     */
    private boolean signalled;

    /**
     * @param call the program's call this is made for
     * @param tid its task
     * @param nr the syscall the task made (what its registers hold at a signal stop)
     * @param sock our copy of the program's socket
     */
    BlockingSocketCall(Waits.Awaited call, int tid, int nr, int sock) {
        this.call = call;
        this.tid = tid;
        this.nr = nr;
        this.sock = sock;
    }

    /**
     * Installs the handler of {@link #SIGNAL} for this process; fails, saying why, when something
     * else handles that signal already. Idempotent.
     */
    static void prepare() {
        try {
            Signals.interruptWith(SIGNAL);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot install seccheck's handler of " + Signal.name(SIGNAL)
                    + ", which ends the connects and sends of calls no longer awaited", e);
        }
    }

    /**
     * Makes the connect or send {@code op} on the calling thread, which may be another than the one
     * in {@link Waits#around} (a Landlock domain's): its count, 0 or -errno, -EINTR when ended.
     * After a signal to the task found it having done nothing ({@link #atSignal}), it is made again
     * only for a repeat that takes it over, as the kernel restarts its own.
     */
    long make(LongSupplier op) {
        return make(new Steps() {
            private boolean made;

            @Override
            public long next() {
                made = true;
                return op.getAsLong();
            }

            @Override
            public boolean done() {
                return made;
            }
        });
    }

    /**
     * A call made as a run of steps, each a call of the kernel's: a stream send in chunks
     * ({@link StreamChunks}), which natively is one call that may send part of its data and wait
     * for room for the rest.
     */
    interface Steps {
        /** Makes the next step: its count, or -errno. */
        long next();

        /** Whether the call is over after the step just made: it took its last data, or not all it was given. */
        boolean done();
    }

    /**
     * Makes {@code steps} as {@link #make(LongSupplier)} makes one call, returning their counts'
     * sum, as the kernel's stream send returns what it sent: a step that fails, or is interrupted
     * or ended with nothing of its own sent, ends the call with what the steps before it sent, and
     * with its failure only when they sent nothing. Between steps the call stays in progress for
     * {@link #atSignal}: a signal to the task then also ends it with the count so far, as it would
     * end the kernel's send waiting for room. An EINTR nobody asked for (a signal from outside)
     * makes the step again, as the first step is made again.
     */
    long make(Steps steps) {
        thread = Syscalls.gettid();
        SignalledCalls.entered(tid, this);
        try {
            long sent = 0;
            while (true) {
                synchronized (this) {
                    if (signalled && sent > 0) {
                        return settled(sent); // signalled between steps
                    }
                    if (signalled && !awaitRepeat()) {
                        return settled(-Errno.EINTR);
                    }
                    inCall = true;
                }
                long r = Signals.unblockedDuring(SIGNAL, steps::next);
                synchronized (this) {
                    boolean stray = r == -Errno.EINTR && !ending && (sent == 0 || !signalled);
                    if (stray && sent > 0) {
                        continue; // still in the call for atSignal: the step is made again
                    }
                    inCall = false;
                    notifyAll();
                    if (stray) {
                        continue;
                    }
                    if (r < 0) {
                        return settled(sent > 0 ? sent : r);
                    }
                    sent += r;
                    if (steps.done() || ending || signalled) {
                        return settled(sent);
                    }
                    inCall = true; // the next step: a signal to the task meanwhile finds the call in progress
                }
            }
        } finally {
            SignalledCalls.left(tid, this);
        }
    }

    /** Records the call's result for good (holding this). */
    private long settled(long r) {
        returned = true;
        result = r;
        notifyAll();
        return r;
    }

    /**
     * Waits (holding this) until a repeat takes the call over (true), or the call is no longer
     * awaited: ended, or its thread moved on (false).
     */
    private boolean awaitRepeat() {
        while (!ending) {
            Waits.Standing standing = call.standing();
            if (standing == Waits.Standing.AWAITED) {
                signalled = false;
                return true;
            }
            if (standing == Waits.Standing.SUPERSEDED) {
                return false;
            }
            try {
                wait(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Override
    public int nr() {
        return nr;
    }

    /**
     * The task is stopped for a signal it handles: a call that natively never waits (a datagram
     * socket's, {@link NonWaitingSocketCalls}) is repeated. Another in the kernel is interrupted (it
     * returns what it sent, or EINTR with nothing sent), as the kernel's own would be. Having done
     * something (a count, a connect made), the task repeats the call whatever its handler's flags,
     * and the repeat is answered with that; having done nothing, it returns EINTR on a socket with
     * SO_SNDTIMEO (the call is given up), else ERESTARTSYS as it is.
     */
    @Override
    public synchronized long atSignal() {
        if (!returned && NonWaitingSocketCalls.neverWaitsOn(sock, nr)) {
            // Natively made at once, never interrupted: repeated, whatever the handler's flags. A
            // call in the kernel returns at once, its result kept for the repeat (Restarts); one
            // not begun is made for the repeat, which takes it over. Before, it failed with EINTR.
            signalled = !inCall;
            return SignalledCalls.ERESTARTNOINTR;
        }
        if (!returned) {
            signalled = true;
            long deadline = System.nanoTime() + SETTLE_NS;
            while (inCall && !returned) {
                int t = thread;
                if (t != 0) {
                    Syscalls.signalThread(PID, t, SIGNAL);
                }
                if (System.nanoTime() > deadline) {
                    return 0;
                }
                try {
                    wait(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 0;
                }
            }
        }
        if (returned) {
            return result >= 0 ? SignalledCalls.ERESTARTNOINTR : 0;
        }
        if (SocketCalls.timeoutSet(sock, SocketCalls.SO_SNDTIMEO) && call.giveUp()) {
            ending = true;
            notifyAll();
            return -Errno.EINTR;
        }
        return 0;
    }

    /**
     * Signals the thread in the call. A signal that lands just before the thread enters the call is
     * taken there and ends nothing: the next sweep signals again, until the call returns.
     */
    @Override
    public void end(PathCalls calls) {
        ending = true;
        int t = thread;
        if (t != 0) {
            Syscalls.signalThread(PID, t, SIGNAL);
        }
    }
}
