package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;

/**
 * SctpSockets keeps SCTP out of a run whose network a rule decides. An SCTP association reaches
 * addresses no connect or send names: {@code sctp_connectx} starts one to a list of addresses
 * through setsockopt (SCTP_SOCKOPT_CONNECTX), {@code sctp_bindx} adds local ones the same way,
 * and the peer gives more addresses of its own, which SCTP_PRIMARY_ADDR or the kernel's failover
 * then sends to. Where the kernel has SCTP (stock Debian and Ubuntu load its module on a
 * program's first such socket, with no privilege), a rule keeping the network to loopback would
 * hold only for SCTP's connect and addressed sends. So while a sink decides at connect or bind,
 * the filter holds socket() of IPv4 and IPv6 for IPPROTO_SCTP (SOCK_STREAM and SOCK_SEQPACKET,
 * SCTP's two types; a raw socket of that protocol is no association), and of SOCK_SEQPACKET with
 * protocol 0 (which the kernel makes SCTP), and seccheck refuses them as a kernel without SCTP
 * does: programs take that for "SCTP is not there". An SCTP socket the program held before the
 * run is not covered, as no socket it already holds is.
 */
public final class SctpSockets {
    private SctpSockets() {}

    /** SCTP's protocol number (netinet/in.h). */
    static final int IPPROTO_SCTP = 132;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    /** socket()'s flags beside the type, the only ones the kernel takes. */
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;

    /** The filter's part holding the socket() calls that make an SCTP socket; all else falls through. */
    public static final Fragment FILTER_FRAGMENT = fragment();

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label inet = a.label();
        Assembler.Label seqpacket = a.label();
        Assembler.Label stream = a.label();
        Assembler.Label hold = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.SOCKET, null, out);
        a.load(SeccompData.argLow(0));
        a.jump(Bpf.Cond.EQ, SockAddr.AF_INET, inet, null);
        a.jump(Bpf.Cond.EQ, SockAddr.AF_INET6, inet, out);
        a.bind(inet);
        // The type with either flag or none; the kernel refuses (EINVAL) any other bit.
        a.load(SeccompData.argLow(1));
        for (int flags : new int[] {0, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC}) {
            a.jump(Bpf.Cond.EQ, SOCK_SEQPACKET | flags, seqpacket, null);
            a.jump(Bpf.Cond.EQ, SOCK_STREAM | flags, stream, null);
        }
        a.jumpAlways(out);
        a.bind(seqpacket);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.EQ, 0, hold, null);
        a.bind(stream);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.EQ, IPPROTO_SCTP, hold, out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether the filter holds socket({@code family}, {@code type}, {@code protocol}), each an int to the kernel. */
    static boolean holds(long family, long type, long protocol) {
        int f = (int) family;
        int p = (int) protocol;
        int kind = (int) type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
        return (f == SockAddr.AF_INET || f == SockAddr.AF_INET6)
                && (kind == SOCK_SEQPACKET && (p == 0 || p == IPPROTO_SCTP)
                        || kind == SOCK_STREAM && p == IPPROTO_SCTP);
    }

    /**
     * The errno a kernel without SCTP answers such a socket() with: ESOCKTNOSUPPORT for a
     * SOCK_SEQPACKET (no other protocol has that type), EPROTONOSUPPORT for a SOCK_STREAM of SCTP.
     */
    static int refusal(long type) {
        return ((int) type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_SEQPACKET ? Errno.ESOCKTNOSUPPORT
                : Errno.EPROTONOSUPPORT;
    }
}
