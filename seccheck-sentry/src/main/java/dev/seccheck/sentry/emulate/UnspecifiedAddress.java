package dev.seccheck.sentry.emulate;

import dev.seccheck.format.SockAddr;
import java.util.Arrays;

/**
 * UnspecifiedAddress tells where the kernel sends a connect or a datagram addressed to the
 * unspecified address, which names no peer of its own: the local host. An IPv4 socket's
 * destination 0.0.0.0 becomes its own bound address, or 127.0.0.1 when it has none (the kernel's
 * route lookup); an IPv6 socket's {@code ::} becomes {@code ::1}, or {@code ::ffff:127.0.0.1} for
 * a socket bound to an IPv4-mapped address; its {@code ::ffff:0.0.0.0} takes the IPv4 way.
 * The own address is the socket's source, which a socket bound to a multicast or broadcast address
 * has not (the kernel keeps such an address for receiving only), and which a datagram's
 * {@code IP_PKTINFO} record (or, from an IPv6 socket to an IPv4-mapped address, its
 * {@code IPV6_PKTINFO} record) replaces: a datagram to 0.0.0.0 whose record names 127.0.0.2 goes
 * to 127.0.0.2. The address told is decided, and the call made to it ({@link NetEmulation}), so a
 * second thread binding the socket between the look and the call changes nothing.
 */
final class UnspecifiedAddress {
    private UnspecifiedAddress() {}

    private static final byte[] LOOPBACK4 = {127, 0, 0, 1};
    private static final int SIN_ADDR = 4;
    private static final int SIN6_ADDR = 8;
    private static final int IP_PKTINFO = 8;
    private static final int IPV6_PKTINFO = 50;
    /** struct in_pktinfo: ifindex, spec_dst, addr; the kernel takes no other length (EINVAL). */
    private static final int IN_PKTINFO = 12;
    /** struct in6_pktinfo: addr, ifindex. */
    private static final int IN6_PKTINFO = 20;

    /** Whether {@code named} is an IPv4 or IPv6 destination of the unspecified address ({@link #reached} is then not null). */
    static boolean isUnspecified(byte[] named) {
        int family = family(named);
        if (family == SockAddr.AF_INET) {
            return named.length >= SIN_ADDR + 4 && zero(named, SIN_ADDR, 4);
        }
        return family == SockAddr.AF_INET6 && named.length >= SIN6_ADDR + 16
                && (zero(named, SIN6_ADDR, 16) || isMapped(named, SIN6_ADDR) && zero(named, SIN6_ADDR + 12, 4));
    }

    /**
     * The socket address reached for {@code named}, the destination the program gave, from a
     * socket whose own address is {@code own} (getsockname; null or empty when unknown): null when
     * it names a definite address, or is no IPv4 or IPv6 address (short ones are refused before).
     */
    static byte[] reached(byte[] named, byte[] own) {
        return reached(named, own, null);
    }

    /**
     * The same for a datagram whose ancillary data sets the IPv4 source {@code source}
     * ({@link #packetInfoSource}; null when it sets none): that source replaces the socket's own,
     * and 0.0.0.0 there leaves none (loopback).
     */
    static byte[] reached(byte[] named, byte[] own, byte[] source) {
        if (!isUnspecified(named)) {
            return null;
        }
        byte[] ipv4 = source == null ? ownIpv4(own) : isSource(source, 0) ? source.clone() : LOOPBACK4;
        if (family(named) == SockAddr.AF_INET) {
            return with(named, SIN_ADDR, ipv4);
        }
        byte[] ip = new byte[16];
        if (!zero(named, SIN6_ADDR, 16)) {
            mapped(ip, ipv4); // ::ffff:0.0.0.0 takes the IPv4 way
        } else if (isMapped(own)) {
            mapped(ip, LOOPBACK4);
        } else {
            ip[15] = 1;
        }
        return with(named, SIN6_ADDR, ip);
    }

    /**
     * The IPv4 source the ancillary data {@code control} of a datagram sets for a send to an
     * IPv4 address, as the kernel's ip_cmsg_send reads it: the last {@code IP_PKTINFO} record's
     * {@code ipi_spec_dst}, or from an IPv6 socket ({@code ipv6}) also an {@code IPV6_PKTINFO}
     * record's IPv4-mapped {@code ipi6_addr}; null when none sets one. A record the kernel refuses
     * (another length, an address not mapped) fails the send, so what it names is never reached.
     */
    static byte[] packetInfoSource(byte[] control, boolean ipv6) {
        byte[] source = null;
        for (AncillaryData.Record r : AncillaryData.leadingRecords(control)) {
            if (r.level() == SourceRoutes.SOL_IP && r.type() == IP_PKTINFO && r.valueLength() == IN_PKTINFO) {
                source = Arrays.copyOfRange(control, r.valueAt() + 4, r.valueAt() + 8);
            } else if (ipv6 && r.level() == SourceRoutes.SOL_IPV6 && r.type() == IPV6_PKTINFO
                    && r.valueLength() >= IN6_PKTINFO && isMapped(control, r.valueAt())) {
                source = Arrays.copyOfRange(control, r.valueAt() + 12, r.valueAt() + 16);
            }
        }
        return source;
    }

    /**
     * The IPv4 source of a socket bound to {@code own} (its own address, or IPv4-mapped), or
     * 127.0.0.1 when it has none: unbound, or bound to a multicast or the broadcast address,
     * which the kernel takes for receiving only (inet_bind leaves the source unset). Another
     * broadcast address (a subnet's, 127.255.255.255) cannot be told from its bytes: it is
     * decided as itself, and the call, made to it, is refused or broadcast there by the kernel.
     */
    private static byte[] ownIpv4(byte[] own) {
        if (own == null) {
            return LOOPBACK4;
        }
        int family = family(own);
        if (family == SockAddr.AF_INET && own.length >= SIN_ADDR + 4 && isSource(own, SIN_ADDR)) {
            return Arrays.copyOfRange(own, SIN_ADDR, SIN_ADDR + 4);
        }
        if (isMapped(own) && isSource(own, SIN6_ADDR + 12)) {
            return Arrays.copyOfRange(own, SIN6_ADDR + 12, SIN6_ADDR + 16);
        }
        return LOOPBACK4;
    }

    /** Whether the IPv4 address at {@code at} can be a source: not 0.0.0.0, multicast (224/4) or 255.255.255.255. */
    private static boolean isSource(byte[] a, int at) {
        boolean broadcast = (a[at] & a[at + 1] & a[at + 2] & a[at + 3] & 0xff) == 0xff;
        return !zero(a, at, 4) && (a[at] & 0xf0) != 0xe0 && !broadcast;
    }

    private static boolean isMapped(byte[] own) {
        return own != null && family(own) == SockAddr.AF_INET6 && own.length >= SIN6_ADDR + 16
                && isMapped(own, SIN6_ADDR);
    }

    /** Whether the 16 bytes at {@code at} are ::ffff:a.b.c.d. */
    private static boolean isMapped(byte[] a, int at) {
        return zero(a, at, 10) && (a[at + 10] & 0xff) == 0xff && (a[at + 11] & 0xff) == 0xff;
    }

    private static void mapped(byte[] ip, byte[] v4) {
        ip[10] = (byte) 0xff;
        ip[11] = (byte) 0xff;
        System.arraycopy(v4, 0, ip, 12, 4);
    }

    private static int family(byte[] addr) {
        return addr == null || addr.length < 2 ? -1 : (addr[0] & 0xff) | (addr[1] & 0xff) << 8;
    }

    private static boolean zero(byte[] a, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] with(byte[] named, int at, byte[] ip) {
        byte[] out = named.clone();
        System.arraycopy(ip, 0, out, at, ip.length);
        return out;
    }
}
