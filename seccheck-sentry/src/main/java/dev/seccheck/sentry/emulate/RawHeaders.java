package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import dev.seccheck.sentry.filter.SocketOptionHold;
import java.util.List;

/**
 * RawHeaders keeps a rule on reaching the network about where packets go on raw IP sockets. A
 * raw socket that takes its IP header from the program (IPPROTO_RAW, or IP_HDRINCL and
 * IPV6_HDRINCL set on any raw socket) is routed by the address sendto names and delivered to the
 * header's destination, which the rule never saw: on a host that forwards (a container host
 * does) a packet sent to 127.0.0.1 for 10.1.2.3 leaves through the host's interfaces, and its
 * answers come back to the program. A raw socket needs CAP_NET_RAW, which a root program has, and
 * any program in a network namespace of its own. So while a sink decides at connect, the filter
 * holds socket() of IPPROTO_RAW for IPv4 and IPv6 ({@link #FILTER_FRAGMENT}), refused with EPERM
 * when raw (any other type with that protocol the kernel refuses itself), and the two socket
 * options, whose value seccheck reads once: turning them on is refused, off is set by seccheck.
 * Raw sockets whose header the kernel writes (ping's ICMP, a raw UDP socket) are left alone.
 */
public final class RawHeaders {
    private RawHeaders() {}

    /** The protocol of a raw socket that writes its own IP header (netinet/in.h). */
    static final int IPPROTO_RAW = 255;
    /** The options that make a raw socket take the program's IP header. */
    static final int IP_HDRINCL = 3;
    static final int IPV6_HDRINCL = 36;
    private static final int SOCK_RAW = 3;
    /** The bits of socket()'s type that are its type, not flags (SOCK_NONBLOCK, SOCK_CLOEXEC). */
    private static final int SOCK_TYPE_MASK = 0xf;

    /** The filter's part holding socket() of IPPROTO_RAW and the two options for seccheck; all else falls through. */
    public static final Fragment FILTER_FRAGMENT = fragment();

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label hold = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.SOCKET, null, out);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.EQ, IPPROTO_RAW, null, out);
        a.load(SeccompData.argLow(0));
        a.jump(Bpf.Cond.EQ, SockAddr.AF_INET, hold, null);
        a.jump(Bpf.Cond.EQ, SockAddr.AF_INET6, hold, out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment().then(SocketOptionHold.of(List.of(
                new SocketOptionHold.Option(SourceRoutes.SOL_IP, IP_HDRINCL),
                new SocketOptionHold.Option(SourceRoutes.SOL_IPV6, IPV6_HDRINCL))));
    }

    /** Whether the filter holds socket({@code family}, type, {@code protocol}). */
    static boolean holdsSocket(long family, long protocol) {
        int f = (int) family;
        return (int) protocol == IPPROTO_RAW && (f == SockAddr.AF_INET || f == SockAddr.AF_INET6);
    }

    /** Whether the filter holds setsockopt at {@code level} for {@code name}. */
    static boolean holdsOption(long level, long name) {
        int l = (int) level;
        int o = (int) name;
        return l == SourceRoutes.SOL_IP && o == IP_HDRINCL || l == SourceRoutes.SOL_IPV6 && o == IPV6_HDRINCL;
    }

    /** Whether a held socket() of {@code type} makes a raw socket (the kernel refuses IPPROTO_RAW for any other). */
    static boolean raw(long type) {
        return ((int) type & SOCK_TYPE_MASK) == SOCK_RAW;
    }

    /**
     * Whether setting a held option to {@code value} turns it on, as the kernel reads the value:
     * an int when there are 4 bytes or more, else IPv4 takes a byte and IPv6 nothing (0).
     */
    static boolean turnsOn(int level, byte[] value) {
        if (value.length >= Integer.BYTES) {
            return (value[0] | value[1] | value[2] | value[3]) != 0;
        }
        return level == SourceRoutes.SOL_IP && value.length >= 1 && value[0] != 0;
    }
}
