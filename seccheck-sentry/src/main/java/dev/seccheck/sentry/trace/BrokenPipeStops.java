package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.sentry.emulate.BrokenPipes;
import java.util.OptionalLong;

/**
 * BrokenPipeStops gives a send whose SIGPIPE seccheck raised in the program ({@link BrokenPipes})
 * the result seccheck answered it with. seccheck sends the signal to the program's thread before
 * it answers the held send, so that a handler runs before the program sees the result, as
 * natively; but an unblocked signal ends the thread's wait for that answer: the call leaves it
 * with ERESTARTSYS, which a handler without SA_RESTART turns into EINTR and any other disposition
 * into a repeat of the send, where natively it returns EPIPE once. So at that signal's delivery
 * stop, when the thread left a send with ERESTARTSYS, the tracer puts the answer there instead:
 * the handler runs (or the signal is dropped, ignored), then the call returns that answer, and
 * nothing is repeated. A send the answer reached first returns it already and is left alone.
 * Only the signal seccheck sent is looked at (SI_TKILL from seccheck's pid).
 */
final class BrokenPipeStops {

    /** siginfo's si_code of a tgkill(2). */
    private static final int SI_TKILL = -6;
    /** The kernel's restart code a held call leaves its wait with when a signal ends it. */
    private static final long ERESTARTSYS = -512;

    private final int self;
    /** The tracer thread's alone. */
    private final Regs regs = new Regs();

    /** @param self seccheck's pid, the sender of the signals it raises */
    BrokenPipeStops(int self) {
        this.self = self;
    }

    /** At a signal-delivery stop of {@code t} for {@code signal}, on the tracer thread. */
    void atDelivery(Tracee t, int signal) throws LinuxException {
        if (signal != Signal.SIGPIPE) {
            return;
        }
        Ptrace.SignalInfo info = t.signalInfo();
        if (info.code() != SI_TKILL || info.senderPid() != self) {
            return;
        }
        OptionalLong answer = BrokenPipes.delivered(t.tid());
        if (answer.isEmpty()) {
            return;
        }
        t.getRegs(regs);
        int nr = regs.syscallNr();
        if (regs.rax() == ERESTARTSYS && (nr == Sysno.SENDTO || nr == Sysno.SENDMSG || nr == Sysno.SENDMMSG)) {
            regs.rax(answer.getAsLong());
            t.setRegs(regs);
        }
    }
}
