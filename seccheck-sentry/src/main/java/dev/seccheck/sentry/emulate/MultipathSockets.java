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
 * MultipathSockets keeps the two transports whose connections reach addresses no connect or send
 * names, SCTP and Multipath TCP, out of a run whose network a rule decides.
 *
 * <p>An SCTP association reaches such addresses: {@code sctp_connectx} starts one to a list of
 * addresses through setsockopt (SCTP_SOCKOPT_CONNECTX), {@code sctp_bindx} adds local ones the
 * same way, and the peer gives more addresses of its own, which SCTP_PRIMARY_ADDR or the
 * kernel's failover then sends to. Stock Debian and Ubuntu load SCTP's module on a program's
 * first such socket, with no privilege.
 *
 * <p>An MPTCP connection adds subflows: the peer announces addresses of its own (ADD_ADDR) and
 * the kernel's path manager opens a subflow to each, within the limits {@code ip mptcp limits}
 * sets (a host's NetworkManager sets them; a program sets them in a network namespace of its
 * own), and the userspace path manager opens one to any address and port by a generic netlink
 * request. Under a policy denying 127.0.0.2, a connection made to the allowed 127.0.0.1 had an
 * established subflow to 127.0.0.2 in 10 runs of 10.
 *
 * <p>So while a sink decides at connect or bind, the filter holds the socket() calls that make
 * such a socket, of IPv4 or IPv6: SCTP's two types (SOCK_STREAM and SOCK_SEQPACKET of
 * IPPROTO_SCTP, and SOCK_SEQPACKET of protocol 0, which the kernel makes SCTP) and SOCK_STREAM of
 * IPPROTO_MPTCP; a raw socket of either protocol is no connection, socketpair of these families
 * makes none (EOPNOTSUPP), and an accepted connection is one of a listener made so. seccheck
 * refuses them as a kernel without the protocol does, which programs take for "not there" (Go's
 * MPTCP listeners and dialers, mptcpize: "fall back to TCP"). A socket the program held before
 * the run is not covered, as no socket it already holds is; nor is a TCP socket a BPF program
 * turns into an MPTCP one (the update_socket_protocol hook), which needs CAP_BPF and CAP_PERFMON
 * of the host.
 */
public final class MultipathSockets {
    private MultipathSockets() {}

    /** The transports held, each with why on the run's log. */
    enum Transport {
        SCTP("an SCTP association reaches addresses no connect or send names (sctp_connectx, the peer's"
                + " other addresses)"),
        MPTCP("a Multipath TCP connection opens subflows to addresses no connect names (the peer's"
                + " announced addresses, the path manager's)");

        final String why;

        Transport(String why) {
            this.why = why;
        }
    }

    /** SCTP's protocol number (netinet/in.h). */
    static final int IPPROTO_SCTP = 132;
    /** Multipath TCP's protocol number (linux/in.h): past IP's 8 bits, a socket() protocol only. */
    static final int IPPROTO_MPTCP = 262;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    /** socket()'s flags beside the type, the only ones the kernel takes. */
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;

    /** The filter's part holding the socket() calls {@link #held} names; all else falls through. */
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
        a.jump(Bpf.Cond.EQ, IPPROTO_SCTP, hold, out);
        a.bind(stream);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.EQ, IPPROTO_SCTP, hold, null);
        a.jump(Bpf.Cond.EQ, IPPROTO_MPTCP, hold, out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /**
     * The transport socket({@code family}, {@code type}, {@code protocol}) would make, each an int
     * to the kernel, when the filter holds it; null for any other call.
     */
    static Transport held(long family, long type, long protocol) {
        int f = (int) family;
        int p = (int) protocol;
        int kind = (int) type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (f != SockAddr.AF_INET && f != SockAddr.AF_INET6) {
            return null;
        }
        if (kind == SOCK_SEQPACKET && (p == 0 || p == IPPROTO_SCTP) || kind == SOCK_STREAM && p == IPPROTO_SCTP) {
            return Transport.SCTP;
        }
        return kind == SOCK_STREAM && p == IPPROTO_MPTCP ? Transport.MPTCP : null;
    }

    /**
     * The errno a kernel without the transport answers such a socket() with: ESOCKTNOSUPPORT for a
     * SOCK_SEQPACKET (no other protocol has that type), EPROTONOSUPPORT for a SOCK_STREAM.
     */
    static int refusal(long type) {
        return ((int) type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_SEQPACKET ? Errno.ESOCKTNOSUPPORT
                : Errno.EPROTONOSUPPORT;
    }
}
