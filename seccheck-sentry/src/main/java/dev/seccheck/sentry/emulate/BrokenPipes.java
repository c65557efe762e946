package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Signals;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * BrokenPipes gives the program the SIGPIPE the kernel raises for a send seccheck performs. A
 * send to a closed peer (a unix stream whose other end is gone, a TCP socket shut for writing or
 * never connected) fails with EPIPE and, unless the send's flags have MSG_NOSIGNAL, the protocol
 * sends SIGPIPE to the calling thread: seccheck's, so the program got EPIPE and ran on where
 * natively it is killed (sendmsg, sendmmsg, sendto with an address). Which protocols raise it,
 * and when, is the kernel's to say (TCP and unix streams only when nothing was sent, some
 * protocols even with MSG_NOSIGNAL), so seccheck does not guess: each send is made with SIGPIPE
 * blocked in the thread making it, a SIGPIPE pending there when it fails is taken
 * ({@link Signals#blockedDuring}; seccheck's threads never take it), and before the program's
 * call is answered the same signal is sent to the program's thread in the call
 * ({@link #raise}). Blocked there, it stays pending; ignored, it is dropped; with the default
 * action, the program dies of it; a handler runs before the program sees the call's result. The
 * signal ends the thread's wait for the answer, though (the call leaves it with ERESTARTSYS,
 * which a handler without SA_RESTART turns into EINTR, one with it into a repeat); so the answer
 * is also kept here ({@link #delivered}), and at the signal's delivery stop the tracer makes it
 * the call's result ({@code dev.seccheck.sentry.trace.BrokenPipeStops}). The handler's siginfo
 * comes from tgkill: SI_TKILL and seccheck's pid, where the kernel's says SI_USER and the
 * program's own pid.
 *
 * <p>The answers kept for delivery are one map for the whole JVM: a thread id names one thread of
 * the machine at a time, and the tracer, which finds them by it, is another object than the
 * emulation that keeps them.
 */
public final class BrokenPipes {

    /** The calls one of whose sends raised SIGPIPE, until they are answered. */
    private final Set<Call> raised = ConcurrentHashMap.newKeySet();
    /** By thread: the answer of the call whose SIGPIPE was sent it, until the signal's delivery stop. */
    private static final Map<Integer, Long> ANSWERS = new ConcurrentHashMap<>();

    /** {@code send}, made so that a SIGPIPE it raises is kept for {@code call} instead of taken by this thread. */
    LongSupplier watched(Call call, LongSupplier send) {
        return () -> Signals.blockedDuring(Signal.SIGPIPE, send, () -> raised.add(call));
    }

    /**
     * Before {@code call} is answered with {@code answer}: sends the program's thread in it the
     * SIGPIPE one of its sends raised, if one did, keeping the answer for the signal's delivery
     * stop. Called on every answer of a send, so nothing is kept past it.
     */
    void raise(Call call, long answer) {
        if (raised.remove(call)) {
            // Through a pidfd of the thread, opened while it waits in the call: a thread that left
            // it and whose number another process took is not signalled.
            try (Pidfd thread = call.pinThread()) {
                if (thread != null || Pidfd.threadsUnsupported()) {
                    ANSWERS.put(call.tid(), answer);
                    call.signalThread(thread, Signal.SIGPIPE);
                }
            }
        }
    }

    /**
     * At the delivery stop of a SIGPIPE seccheck sent thread {@code tid}: the answer of the call it
     * was raised for, taken; empty when none is kept.
     */
    public static OptionalLong delivered(int tid) {
        Long answer = ANSWERS.remove(tid);
        return answer == null ? OptionalLong.empty() : OptionalLong.of(answer);
    }
}
