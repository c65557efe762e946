package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;

/**
 * AddressedSends tells the sendto calls that name an address, which seccheck performs while a
 * connect point is enabled (they reach that peer as a connect would), from those that name none
 * ({@code send}, every write of a connected socket), which reach the peer the connect chose and
 * need no check. The address is a register, so the filter tells them apart
 * ({@link #FILTER_FRAGMENT}) and the kernel never asks about a send without one: it stops only
 * where a session traces sendto's own points. sendmsg and sendmmsg keep their addresses in
 * memory the filter cannot read, and are held whole.
 */
final class AddressedSends {
    /**
     * The argument test, for a filter's fragment slot: a sendto whose address pointer (args[4],
     * either half) is not NULL returns USER_NOTIF; anything else falls through to the
     * per-number decision.
     */
    static final Fragment FILTER_FRAGMENT = fragment();

    private AddressedSends() {}

    /** Whether {@code n}, a sendto, names an address: what {@link #FILTER_FRAGMENT} holds. */
    static boolean held(SeccompNotification n) {
        return n.arg4() != 0;
    }

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label hold = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.SENDTO, null, out);
        a.jumpIfArgSet(4, hold);
        a.jumpAlways(out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }
}
