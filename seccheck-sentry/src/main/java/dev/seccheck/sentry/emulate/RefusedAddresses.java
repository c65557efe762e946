package dev.seccheck.sentry.emulate;

import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.SocketCalls;

/**
 * RefusedAddresses tells the addresses that a TCP or UDP socket's protocol refuses for their
 * family or their length before any peer is reached, judged by the socket's family (SO_DOMAIN),
 * not the address's: an IPv4 socket given a {@code sockaddr_in6} (EAFNOSUPPORT), an IPv6 TCP
 * socket given a {@code sockaddr_in} (EINVAL when shorter than RFC 2133's {@code sockaddr_in6},
 * else EAFNOSUPPORT). Such a call is made as given and not decided, as an address too short for
 * its own family is ({@link NetEmulation#reachesNoPeer}): the kernel answers it in its own order
 * (a connected TCP socket's EISCONN first, a UDP connect's autobind before its EAFNOSUPPORT, a
 * corked UDP socket appending to its datagram), and no rule on family, ip or port is asked about a
 * peer no packet goes to. Before, the rules decided such an address by its own family: a
 * {@code sockaddr_in6} naming a denied host on an IPv4 socket failed with the rule's errno
 * (ENETUNREACH) and a deny alert, where the kernel says EAFNOSUPPORT.
 *
 * <p>The kernel's checks, by protocol ({@code L} the address's length; the sendmsg paths of a
 * send, the connect paths of a connect):
 * <ul>
 * <li>TCP (inet_stream_connect, tcp_v4_connect, tcp_v6_connect; a send reaches them through
 * tcp_sendmsg_fastopen, or ignores its address): {@code L < 2} is EINVAL; a connect to AF_UNSPEC
 * disconnects ({@link NetEmulation#disconnectsOnUnspecified}, served before), a send naming it is
 * EOPNOTSUPP; then IPv4 refuses {@code L < 16} (EINVAL) and any family but AF_INET
 * (EAFNOSUPPORT), IPv6 {@code L < 24} and any family but AF_INET6.
 * <li>IPv4 UDP (ip4_datagram_connect, udp_sendmsg): a connect refuses {@code L < 16} and any
 * family but AF_INET; a send refuses {@code L < 16} and any family but AF_INET and AF_UNSPEC,
 * which it reads as AF_INET ({@link ProtocolAddress}).
 * <li>IPv6 UDP (ip6_datagram_connect, udpv6_sendmsg): AF_INET goes to IPv4's code, so a
 * {@code sockaddr_in} is a peer as it is on an IPv4 socket; AF_INET6 shorter than 24 bytes is
 * EINVAL; any other family is refused (a connect's EAFNOSUPPORT, a send's EINVAL), save a send's
 * AF_UNSPEC, which the protocol reads as no address at all and is left decided as before.
 * </ul>
 * Other protocols (raw, ping, SCTP, MPTCP) have checks of their own and are decided as before.
 * IPV6_V6ONLY refusals (an AF_INET or IPv4-mapped address) are left decided too: another thread
 * may clear the option on an unbound socket between seccheck's look and the call.
 *
 * <p>The judgement must hold whatever the program's other threads do meanwhile. A socket's type
 * and protocol never change; its family changes only from IPv6 to IPv4 (IPV6_ADDRFORM, on a
 * socket connected to an IPv4-mapped address, on kernels that still take the option: the 6.18
 * these tests ran on answers ENOPROTOOPT), and every address refused above by IPv6 is refused
 * by IPv4 too but one: AF_INET on a TCP socket. That one is made with its IPv4 address replaced by
 * the limited broadcast address ({@link #made}), to which a TCP connect is ENETUNREACH, while IPv6
 * refuses it on its family and length alone, as it did the address as named.
 */
final class RefusedAddresses {
    private RefusedAddresses() {}

    private static final int AF_UNSPEC = 0;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_TYPE_MASK = 0xf;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_UDPLITE = 136;
    /** sizeof(struct sockaddr_in). */
    private static final int SOCKADDR_IN_LEN = 16;
    /** RFC 2133's sockaddr_in6, without sin6_scope_id: the shortest IPv6 address taken. */
    private static final int SOCKADDR_IN6_RFC2133_LEN = 24;
    /** Where sockaddr_in keeps its address. */
    private static final int SIN_ADDR = 4;

    /**
     * Whether the protocol of our copy {@code sock} of the program's socket, of family
     * {@code domain} (SO_DOMAIN), refuses {@code named} in a send ({@code send}) or a connect
     * before it reaches any peer; its type and protocol are asked only for an IPv4 or IPv6 socket.
     */
    static boolean refused(int sock, long domain, byte[] named, boolean send) {
        if (sock < 0 || named == null || domain != SockAddr.AF_INET && domain != SockAddr.AF_INET6) {
            return false;
        }
        boolean v6 = domain == SockAddr.AF_INET6;
        int family = named.length < 2 ? -1 : named[0] & 0xff | (named[1] & 0xff) << 8;
        if (family == (v6 ? SockAddr.AF_INET6 : SockAddr.AF_INET)
                && named.length >= (v6 ? SOCKADDR_IN6_RFC2133_LEN : SOCKADDR_IN_LEN)) {
            return false; // the socket's own family, whole: no protocol refuses it (and no getsockopt on the usual path)
        }
        int type = (int) SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) & SOCK_TYPE_MASK;
        int protocol = (int) SocketCalls.socketOption(sock, SocketCalls.SO_PROTOCOL);
        return refused(domain, type, protocol, named, send);
    }

    /**
     * Whether a socket of family {@code domain}, type {@code type} and protocol {@code protocol}
     * refuses {@code named} in a send ({@code send}) or a connect before it reaches any peer.
     */
    static boolean refused(long domain, int type, int protocol, byte[] named, boolean send) {
        boolean v6 = domain == SockAddr.AF_INET6;
        if (!v6 && domain != SockAddr.AF_INET || named == null) {
            return false;
        }
        boolean tcp = type == SOCK_STREAM && protocol == IPPROTO_TCP;
        boolean udp = type == SOCK_DGRAM && (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE);
        if (!tcp && !udp) {
            return false;
        }
        int length = named.length;
        if (length < 2) {
            return true; // EINVAL before the family is read, on every path
        }
        int family = named[0] & 0xff | (named[1] & 0xff) << 8;
        if (family == AF_UNSPEC) {
            // A connect's is a disconnect, served before; a TCP send's EOPNOTSUPP (tcp_sendmsg_fastopen);
            // IPv4 UDP reads a send's as AF_INET, IPv6 UDP as no address.
            return tcp && send || udp && !v6 && send && length < SOCKADDR_IN_LEN;
        }
        if (udp && v6) {
            return family == SockAddr.AF_INET ? length < SOCKADDR_IN_LEN
                    : family != SockAddr.AF_INET6 || length < SOCKADDR_IN6_RFC2133_LEN;
        }
        int own = v6 ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        return family != own || length < (v6 ? SOCKADDR_IN6_RFC2133_LEN : SOCKADDR_IN_LEN);
    }

    /**
     * The copy of {@code named}, an address {@link #refused} on a socket of family {@code domain},
     * that the call is made with: {@code named} itself, but for an AF_INET address of a full
     * {@code sockaddr_in} on an IPv6 socket, whose IPv4 address is replaced by 255.255.255.255.
     * IPv6 TCP refuses it on its family and length before it reads any address, as it refuses
     * {@code named}; were the socket turned into an IPv4 one meanwhile (IPV6_ADDRFORM, then a
     * disconnect), tcp_v4_connect would refuse the broadcast address (ENETUNREACH) where it would
     * have connected to the address named, which no rule was asked about.
     */
    static byte[] made(long domain, byte[] named) {
        if (domain != SockAddr.AF_INET6 || named.length < SOCKADDR_IN_LEN
                || (named[0] & 0xff | (named[1] & 0xff) << 8) != SockAddr.AF_INET) {
            return named;
        }
        byte[] made = named.clone();
        for (int i = SIN_ADDR; i < SIN_ADDR + 4; i++) {
            made[i] = (byte) 0xff;
        }
        return made;
    }
}
