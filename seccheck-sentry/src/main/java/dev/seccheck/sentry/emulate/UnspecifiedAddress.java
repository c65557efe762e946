package dev.seccheck.sentry.emulate;

import dev.seccheck.format.SockAddr;
import java.util.Arrays;

/**
 * UnspecifiedAddress tells where the kernel sends a connect or a datagram addressed to the
 * unspecified address, which names no peer of its own: the local host. An IPv4 socket's
 * destination 0.0.0.0 becomes its own bound address, or 127.0.0.1 when it has none (the kernel's
 * route lookup); an IPv6 socket's {@code ::} becomes {@code ::1}, or {@code ::ffff:127.0.0.1} for
 * a socket bound to an IPv4-mapped address; its {@code ::ffff:0.0.0.0} takes the IPv4 way.
 */
final class UnspecifiedAddress {
    private UnspecifiedAddress() {}

    private static final byte[] LOOPBACK4 = {127, 0, 0, 1};
    private static final int SIN_ADDR = 4;
    private static final int SIN6_ADDR = 8;

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
        if (!isUnspecified(named)) {
            return null;
        }
        if (family(named) == SockAddr.AF_INET) {
            return with(named, SIN_ADDR, ownIpv4(own));
        }
        byte[] ip = new byte[16];
        if (!zero(named, SIN6_ADDR, 16)) {
            mapped(ip, ownIpv4(own)); // ::ffff:0.0.0.0 takes the IPv4 way
        } else if (isMapped(own)) {
            mapped(ip, LOOPBACK4);
        } else {
            ip[15] = 1;
        }
        return with(named, SIN6_ADDR, ip);
    }

    /** The IPv4 address a socket is bound to (its own, or IPv4-mapped), or 127.0.0.1 when none is. */
    private static byte[] ownIpv4(byte[] own) {
        if (own == null) {
            return LOOPBACK4;
        }
        int family = family(own);
        if (family == SockAddr.AF_INET && own.length >= SIN_ADDR + 4 && !zero(own, SIN_ADDR, 4)) {
            return Arrays.copyOfRange(own, SIN_ADDR, SIN_ADDR + 4);
        }
        if (isMapped(own) && !zero(own, SIN6_ADDR + 12, 4)) {
            return Arrays.copyOfRange(own, SIN6_ADDR + 12, SIN6_ADDR + 16);
        }
        return LOOPBACK4;
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
