package dev.seccheck.sentry.emulate;

import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.SocketCalls;
import java.util.Arrays;

/**
 * ProtocolAddress is the address a socket's protocol takes from the one a send names, where the
 * two differ: a protocol reads the address by its own family, and some do not look at the family
 * the address claims. A packet socket reads every address as a link-layer one ({@code sll_family}
 * is never checked), IPv4's UDP and raw sockets read {@code AF_UNSPEC} as {@code AF_INET}, and
 * IPv6's raw sockets read it as {@code AF_INET6}; and a raw IP socket's datagram goes to the port
 * its own transport header names, not the address's, which it reads as port 0. A rule on the
 * family, the ip or the port decides on what the protocol reads, beside the address as named (as
 * the message shows it): before, a datagram to a denied host whose address said AF_UNSPEC carried
 * no ip to decide on, a raw frame whose address claimed AF_NETLINK passed a rule that lets netlink
 * through, and a raw UDP datagram named port 9000 of an allowed host while its header sent it to
 * port 9001. A rule denying one port cannot hold against a raw socket, which names none; one
 * allowing some ports refuses it.
 */
final class ProtocolAddress {
    private ProtocolAddress() {}

    private static final int AF_UNSPEC = 0;
    private static final int AF_PACKET = 17;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_TYPE_MASK = 0xf;
    /** sizeof(struct sockaddr_in): UDP and raw IPv4 refuse a shorter address (EINVAL) before its family. */
    private static final int SOCKADDR_IN_LEN = 16;
    /** RFC 2133's sockaddr_in6: raw IPv6 refuses a shorter address (EINVAL) before its family. */
    private static final int SOCKADDR_IN6_RFC2133_LEN = 24;
    /** Where sockaddr_in and sockaddr_in6 keep their port. */
    private static final int SIN_PORT = 2;

    /**
     * Returns the address the protocol of our copy {@code sock} of the program's socket, of family
     * {@code domain} (SO_DOMAIN), reads from {@code named} in a send ({@code send}) or a connect;
     * {@code named} itself when it reads it as named.
     */
    static byte[] read(int sock, long domain, byte[] named, boolean send) {
        if (named == null || named.length < 2) {
            return named;
        }
        int family = named[0] & 0xff | (named[1] & 0xff) << 8;
        if (domain == AF_PACKET) {
            return family == AF_PACKET || !send ? named : withFamily(named, AF_PACKET);
        }
        if (domain != SockAddr.AF_INET && domain != SockAddr.AF_INET6) {
            return named;
        }
        int type = (int) SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) & SOCK_TYPE_MASK;
        byte[] read = named;
        if (send && family == AF_UNSPEC) {
            if (domain == SockAddr.AF_INET && (type == SOCK_DGRAM || type == SOCK_RAW) && named.length >= SOCKADDR_IN_LEN) {
                read = withFamily(named, SockAddr.AF_INET);
            } else if (domain == SockAddr.AF_INET6 && type == SOCK_RAW && named.length >= SOCKADDR_IN6_RFC2133_LEN) {
                read = withFamily(named, SockAddr.AF_INET6);
            }
        }
        int readFamily = read[0] & 0xff | (read[1] & 0xff) << 8;
        if (type == SOCK_RAW && (readFamily == SockAddr.AF_INET || readFamily == SockAddr.AF_INET6)
                && read.length >= SIN_PORT + 2 && (read[SIN_PORT] != 0 || read[SIN_PORT + 1] != 0)) {
            // A raw socket's datagram goes to whatever port the header the program wrote names:
            // the address's port (IPv4 ignores it, IPv6 takes it for the protocol) is no peer's.
            read = read == named ? Arrays.copyOf(named, named.length) : read;
            read[SIN_PORT] = 0;
            read[SIN_PORT + 1] = 0;
        }
        return read;
    }

    /**
     * Returns the address IPv4 binds our copy {@code sock} of the program's socket, of family
     * {@code domain}, to for {@code named}; {@code named} itself when it reads it as named. IPv4
     * takes an {@code AF_UNSPEC} address as {@code AF_INET} when it is 0.0.0.0 (inet_bind's
     * "compatibility games"), a raw socket whatever it is (raw_bind reads no family): a bind
     * rule on the ip or the port decides on that, beside the address as named. Before, such a
     * bind carried no ip or port, so neither a rule on them nor {@code on_missing} was asked, and
     * a server came up on a port a rule denies. IPv6 refuses any other family.
     */
    static byte[] bound(int sock, long domain, byte[] named) {
        if (domain != SockAddr.AF_INET || named == null || named.length < SOCKADDR_IN_LEN
                || (named[0] & 0xff | (named[1] & 0xff) << 8) != AF_UNSPEC) {
            return named;
        }
        boolean any = named[4] == 0 && named[5] == 0 && named[6] == 0 && named[7] == 0;
        boolean raw = ((int) SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) & SOCK_TYPE_MASK) == SOCK_RAW;
        return any || raw ? withFamily(named, SockAddr.AF_INET) : named;
    }

    private static byte[] withFamily(byte[] named, int family) {
        byte[] read = Arrays.copyOf(named, named.length);
        read[0] = (byte) family;
        read[1] = (byte) (family >> 8);
        return read;
    }
}
