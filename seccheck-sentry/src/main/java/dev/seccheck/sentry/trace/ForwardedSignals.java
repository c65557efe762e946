package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Ptrace;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * ForwardedSignals makes a signal seccheck passes on to the program's first process arrive as the
 * kernel delivers a signal sent to the program itself: once, and from its sender. A process that
 * signals seccheck's whole process group (killpg, {@code kill -TERM -PGID}, GNU timeout's
 * {@code kill(0)}, a CI runner ending a job) reaches the program's first process too when it is in
 * that group, and seccheck's copy made two: a program that counts its TERMs or takes a second INT
 * as "now" (make, Python) did otherwise than natively. And seccheck's copy came from seccheck's pid,
 * where natively a handler asking who sent it (SA_SIGINFO's si_pid) sees the process that did.
 *
 * <p>So each forward is announced here ({@link #forwarding}) with its sender before seccheck sends
 * it, and the tracer looks at the siginfo of every forwardable signal its first process takes
 * ({@link #atDelivery}): seccheck's copy is given its sender's pid and uid, and of a copy from
 * seccheck and one from the same sender, the same signal within {@link #PAIRED_NS}, the second is
 * not delivered, whichever comes first. Copies pending together merge in the kernel as any
 * standard signal does, and the one delivered finds no partner. Only the tracer thread reads
 * siginfo or keeps what was delivered; forwards are announced from the signal thread.
 */
final class ForwardedSignals {

    /** How far apart a forward and the sender's own copy are taken for one signal sent to the group. */
    static final long PAIRED_NS = TimeUnit.SECONDS.toNanos(1);
    /** siginfo's si_code of a kill(2): the code of both copies. */
    private static final int SI_USER = 0;
    /** The signals seccheck forwards ({@link Signal#FORWARDED}), as bits: bit N-1 for signal N (SIGRTMAX is 64). */
    private static final long FORWARDABLE = Signal.FORWARDED.stream().mapToLong(s -> 1L << (s - 1)).reduce(0, (a, b) -> a | b);

    /** One signal seccheck forwards, announced before it is sent. */
    private record Forward(int signal, int sender, int senderUid, long at) {}

    /** A copy the first process took, seccheck's ({@code forwarded}) or its sender's own. */
    private record Taken(int signal, int sender, boolean forwarded, long at) {}

    private final int self;
    private final ConcurrentLinkedQueue<Forward> announced = new ConcurrentLinkedQueue<>();
    /** The tracer thread's alone. */
    private final ArrayDeque<Taken> taken = new ArrayDeque<>();

    /** @param self seccheck's pid, the sender of its copies */
    ForwardedSignals(int self) {
        this.self = self;
    }

    /** Announces that seccheck is about to send {@code signal}, which {@code sender} (uid {@code senderUid}) sent it. */
    void forwarding(int signal, int sender, int senderUid) {
        announced.add(new Forward(signal, sender, senderUid, System.nanoTime()));
    }

    /**
     * At a signal-delivery stop of {@code t}, a thread of process {@code tgid}, on the tracer thread: the
     * signal to deliver, {@code signal} or 0 when the first process (of pid {@code firstProcess})
     * had that signal from its sender already.
     */
    int atDelivery(Tracee t, int tgid, int firstProcess, int signal) throws LinuxException {
        if (tgid != firstProcess || !forwardable(signal)) {
            return signal;
        }
        Ptrace.SignalInfo info = t.signalInfo();
        if (info.code() != SI_USER) {
            return signal;
        }
        long now = System.nanoTime();
        taken.removeIf(k -> now - k.at() > PAIRED_NS);
        if (info.senderPid() == self) {
            Forward f = announcedOf(signal, now);
            if (f == null) {
                return signal; // seccheck sent it for another reason (a group signal of the program's)
            }
            if (partner(signal, f.sender(), false)) {
                return 0;
            }
            t.setSender(f.sender(), f.senderUid());
            taken.add(new Taken(signal, f.sender(), true, now));
            return signal;
        }
        if (partner(signal, info.senderPid(), true)) {
            return 0;
        }
        taken.add(new Taken(signal, info.senderPid(), false, now));
        return signal;
    }

    /** Takes the oldest forward of {@code signal} announced within {@link #PAIRED_NS}, dropping older ones; null if none. */
    private Forward announcedOf(int signal, long now) {
        for (Iterator<Forward> i = announced.iterator(); i.hasNext(); ) {
            Forward f = i.next();
            if (now - f.at() > PAIRED_NS) {
                i.remove();
            } else if (f.signal() == signal) {
                i.remove();
                return f;
            }
        }
        return null;
    }

    /** Removes and tells whether a copy of {@code signal} from {@code sender}, forwarded or not as asked, was taken. */
    private boolean partner(int signal, int sender, boolean forwarded) {
        for (Iterator<Taken> i = taken.iterator(); i.hasNext(); ) {
            Taken k = i.next();
            if (k.signal() == signal && k.sender() == sender && k.forwarded() == forwarded) {
                i.remove();
                return true;
            }
        }
        return false;
    }

    /** Whether seccheck may forward {@code signal}: only then is its siginfo looked at. */
    static boolean forwardable(int signal) {
        return signal > 0 && signal <= Long.SIZE && (FORWARDABLE & 1L << (signal - 1)) != 0;
    }
}
