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
 * MptcpSockets keeps Multipath TCP out of a run whose network a rule decides, as
 * {@link SctpSockets} keeps SCTP out, and for the same reason: an MPTCP connection adds subflows
 * to addresses no connect names. The peer announces addresses of its own (ADD_ADDR) and the
 * kernel's path manager opens a subflow to each, within the limits {@code ip mptcp limits} sets
 * (a host's NetworkManager sets them; a program sets them in a network namespace of its own), and
 * the userspace path manager opens one to any address and port by a generic netlink request.
 * Under a policy denying 127.0.0.2, a connection made to the allowed 127.0.0.1 had an established
 * subflow to 127.0.0.2 in 10 runs of 10. An MPTCP socket is made only by socket() of IPv4 or
 * IPv6, SOCK_STREAM (with either flag or none) and IPPROTO_MPTCP (262); socketpair of those
 * families makes none (EOPNOTSUPP), and an accepted connection is one of a listener made so. So
 * while a sink decides at connect or bind, the filter holds exactly those socket() calls and
 * seccheck refuses them as a kernel without MPTCP does, EPROTONOSUPPORT, which MPTCP's users
 * (Go's listeners and dialers, mptcpize) take for "fall back to TCP". A socket the program held
 * before the run is not covered, as no socket it already holds is; nor is a TCP socket a BPF
 * program turns into an MPTCP one (the update_socket_protocol hook), which needs CAP_BPF and
 * CAP_PERFMON of the host.
 */
public final class MptcpSockets {
    private MptcpSockets() {}

    /** Multipath TCP's protocol number (linux/in.h): past IP's 8 bits, a socket() protocol only. */
    static final int IPPROTO_MPTCP = 262;
    private static final int SOCK_STREAM = 1;
    /** socket()'s flags beside the type, the only ones the kernel takes. */
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;

    /** The filter's part holding the socket() calls that make an MPTCP socket; all else falls through. */
    public static final Fragment FILTER_FRAGMENT = fragment();

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label inet = a.label();
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
            a.jump(Bpf.Cond.EQ, SOCK_STREAM | flags, stream, null);
        }
        a.jumpAlways(out);
        a.bind(stream);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.EQ, IPPROTO_MPTCP, hold, out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether the filter holds socket({@code family}, {@code type}, {@code protocol}), each an int to the kernel. */
    static boolean holds(long family, long type, long protocol) {
        int f = (int) family;
        return (f == SockAddr.AF_INET || f == SockAddr.AF_INET6)
                && ((int) type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM && (int) protocol == IPPROTO_MPTCP;
    }

    /** The errno a kernel built without MPTCP answers such a socket() with. */
    static final int REFUSAL = Errno.EPROTONOSUPPORT;
}
