package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SocketOptionHold;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MulticastJoins decides a program's multicast memberships as reaching the network. A join makes
 * the kernel report the group, and for a source-specific one each source, on the link (IGMP,
 * MLD): any program may join, without privilege, so the group and source bytes it chooses leave
 * the host, where a rule on reaching the network sees nothing. While a sink decides there, the
 * filter holds the joins ({@link #FILTER_FRAGMENT}: IP_ADD_MEMBERSHIP, IP_ADD_SOURCE_MEMBERSHIP,
 * IP_BLOCK_SOURCE, IPV6_ADD_MEMBERSHIP, and the protocol-independent MCAST_JOIN_GROUP,
 * MCAST_JOIN_SOURCE_GROUP and MCAST_BLOCK_SOURCE at either level); seccheck reads the option's
 * bytes once, fires setsockopt's enter points with them, then connect's points for the group and
 * for each source as a socket address of its family (port 0), at the option's pointer; a refusal
 * fails the setsockopt with the rule's errno and nothing is joined, else seccheck sets its copy
 * on the program's socket and returns the kernel's answer. A filter changed whole (IP_MSFILTER,
 * MCAST_MSFILTER) needs a membership decided so first.
 */
final class MulticastJoins {

    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    private static final int IP_ADD_MEMBERSHIP = 35;
    private static final int IP_BLOCK_SOURCE = 38;
    private static final int IP_ADD_SOURCE_MEMBERSHIP = 39;
    private static final int IPV6_ADD_MEMBERSHIP = 20;
    private static final int MCAST_JOIN_GROUP = 42;
    private static final int MCAST_BLOCK_SOURCE = 43;
    private static final int MCAST_JOIN_SOURCE_GROUP = 46;
    /** The structures' sizes: ip_mreqn, ip_mreq_source, ipv6_mreq, group_req, group_source_req (x86-64). */
    private static final int IP_MREQN = 12;
    private static final int IP_MREQ_SOURCE = 12;
    private static final int IPV6_MREQ = 20;
    private static final int GROUP_REQ = 136;
    private static final int GROUP_SOURCE_REQ = 264;
    /** Where a group_req's and group_source_req's addresses start (after the interface index and padding). */
    private static final int GROUP_AT = 8;
    private static final int SOURCE_AT = 8 + 128;
    private static final int SOCKADDR_IN = 16;
    private static final int SOCKADDR_IN6 = 28;

    /** The filter's part holding the joins for seccheck; every other call falls through. */
    public static final Fragment FILTER_FRAGMENT = SocketOptionHold.of(List.of(
            new SocketOptionHold.Option(SOL_IP, IP_ADD_MEMBERSHIP),
            new SocketOptionHold.Option(SOL_IP, IP_BLOCK_SOURCE),
            new SocketOptionHold.Option(SOL_IP, IP_ADD_SOURCE_MEMBERSHIP),
            new SocketOptionHold.Option(SOL_IP, MCAST_JOIN_GROUP),
            new SocketOptionHold.Option(SOL_IP, MCAST_BLOCK_SOURCE),
            new SocketOptionHold.Option(SOL_IP, MCAST_JOIN_SOURCE_GROUP),
            new SocketOptionHold.Option(SOL_IPV6, IPV6_ADD_MEMBERSHIP),
            new SocketOptionHold.Option(SOL_IPV6, MCAST_JOIN_GROUP),
            new SocketOptionHold.Option(SOL_IPV6, MCAST_BLOCK_SOURCE),
            new SocketOptionHold.Option(SOL_IPV6, MCAST_JOIN_SOURCE_GROUP)));

    /** Whether the filter holds setsockopt at {@code level} for {@code name} (as the fragment compares them). */
    static boolean holds(long level, long name) {
        return size((int) level, (int) name) > 0;
    }

    /** The size of the structure option {@code name} at {@code level} takes, or 0 when it is no join held. */
    private static int size(int level, int name) {
        if (level == SOL_IP) {
            return switch (name) {
                case IP_ADD_MEMBERSHIP -> IP_MREQN;
                case IP_BLOCK_SOURCE, IP_ADD_SOURCE_MEMBERSHIP -> IP_MREQ_SOURCE;
                case MCAST_JOIN_GROUP -> GROUP_REQ;
                case MCAST_BLOCK_SOURCE, MCAST_JOIN_SOURCE_GROUP -> GROUP_SOURCE_REQ;
                default -> 0;
            };
        }
        if (level == SOL_IPV6) {
            return switch (name) {
                case IPV6_ADD_MEMBERSHIP -> IPV6_MREQ;
                case MCAST_JOIN_GROUP -> GROUP_REQ;
                case MCAST_BLOCK_SOURCE, MCAST_JOIN_SOURCE_GROUP -> GROUP_SOURCE_REQ;
                default -> 0;
            };
        }
        return 0;
    }

    private final NetEmulation net;

    MulticastJoins(NetEmulation net) {
        this.net = net;
    }

    /** Serves a held join ({@link #holds}) on our copy {@code sock} of the program's socket (-errno when none). */
    void serve(Call call, int sock) {
        SeccompNotification n = call.notification();
        int level = (int) n.arg1();
        int name = (int) n.arg2();
        int optlen = (int) n.arg4();
        SyscallEvent ev = NetEmulation.setsockoptEvent(call);
        long domain = NetEmulation.domainOrFail(call, ev, sock); // EBADF, ENOTSOCK: before the value
        if (domain < 0) {
            return;
        }
        int size = size(level, name);
        // The kernel reads at most the structure (IP_ADD_MEMBERSHIP: an ip_mreq of 8 bytes when shorter).
        int read = Math.max(0, Math.min(optlen, level == SOL_IP && name == IP_ADD_MEMBERSHIP && optlen < size ? 8 : size));
        Snapshot seen = net.optionValue(call, ev, sock, read);
        if (seen == null || call.enter(ev, seen) != 0) {
            return;
        }
        byte[] value = seen.bytes();
        boolean ip = domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6;
        for (byte[] address : ip ? reached(level, name, value) : List.<byte[]>of()) {
            SyscallEvent connect = new SyscallEvent(call.tid(), Sysno.CONNECT, n.arg0(), n.arg3(), address.length, 0, 0,
                    0, false, 0);
            Snapshot shown = new Snapshot(n.arg3(), address);
            int verdict = call.check(connect, shown);
            call.checked(connect, shown, verdict != 0 ? -verdict : 0);
            if (verdict != 0) {
                call.fail(ev, seen, verdict);
                return;
            }
        }
        // One byte more than the kernel reads, when the program gave more: the lengths it checks
        // for equality (the source structures') are refused alike; the byte is never read.
        byte[] passed = optlen < 0 ? null : Arrays.copyOf(value, Math.min(optlen, size + 1));
        call.complete(ev, seen, net.asProgram(call, Sysno.SETSOCKOPT, passed == null
                ? () -> SocketCalls.setsockoptWithoutValue(sock, level, name, optlen)
                : () -> SocketCalls.setsockopt(sock, level, name, passed)));
    }

    /**
     * The addresses join {@code name} at {@code level} with the bytes {@code value} would report
     * on the link, as socket addresses: its group and sources; none when the value is too short
     * for the kernel to take (it refuses it, EINVAL). An address of a family the kernel refuses
     * there is decided as it is, its first 16 bytes.
     */
    static List<byte[]> reached(int level, int name, byte[] value) {
        List<byte[]> out = new ArrayList<>();
        if (level == SOL_IPV6 && name == IPV6_ADD_MEMBERSHIP) {
            if (value.length >= IPV6_MREQ) {
                out.add(in6(value, 0));
            }
        } else if (name == IP_ADD_MEMBERSHIP && level == SOL_IP) {
            if (value.length >= 8) {
                out.add(in4(value, 0));
            }
        } else if (level == SOL_IP && (name == IP_ADD_SOURCE_MEMBERSHIP || name == IP_BLOCK_SOURCE)) {
            if (value.length >= IP_MREQ_SOURCE) {
                out.add(in4(value, 0));
                out.add(in4(value, 8)); // after the group and the interface's address
            }
        } else if (name == MCAST_JOIN_GROUP) {
            if (value.length >= GROUP_REQ) {
                out.add(sockaddr(value, GROUP_AT));
            }
        } else if (value.length >= GROUP_SOURCE_REQ) {
            out.add(sockaddr(value, GROUP_AT));
            out.add(sockaddr(value, SOURCE_AT));
        }
        return out;
    }

    /** A sockaddr_in of the IPv4 address at {@code at} of {@code b}. */
    private static byte[] in4(byte[] b, int at) {
        byte[] a = new byte[SOCKADDR_IN];
        a[0] = (byte) SockAddr.AF_INET;
        System.arraycopy(b, at, a, 4, 4);
        return a;
    }

    /** A sockaddr_in6 of the IPv6 address at {@code at} of {@code b}. */
    private static byte[] in6(byte[] b, int at) {
        byte[] a = new byte[SOCKADDR_IN6];
        a[0] = (byte) SockAddr.AF_INET6;
        System.arraycopy(b, at, a, 8, 16);
        return a;
    }

    /** The socket address (sockaddr_storage) at {@code at} of {@code b}, as long as its family's. */
    private static byte[] sockaddr(byte[] b, int at) {
        int family = b[at] & 0xff | (b[at + 1] & 0xff) << 8;
        int length = family == SockAddr.AF_INET6 ? SOCKADDR_IN6 : SOCKADDR_IN;
        return Arrays.copyOfRange(b, at, at + length);
    }
}
