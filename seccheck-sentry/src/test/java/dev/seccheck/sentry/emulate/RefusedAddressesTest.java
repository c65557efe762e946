package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * RefusedAddressesTest: which addresses a TCP or UDP socket's protocol refuses by the socket's
 * family, as Linux 6.18 answered each natively (EINVAL, EAFNOSUPPORT, EOPNOTSUPP; the rest reached
 * a peer or, for AF_UNSPEC, none that is named), and the copy made of them.
 */
class RefusedAddressesTest {

    private static final int AF_UNSPEC = 0;
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int STREAM = 1;
    private static final int DGRAM = 2;
    private static final int RAW = 3;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int MPTCP = 262;
    private static final boolean SEND = true;
    private static final boolean CONNECT = false;

    /** An address of {@code family} and {@code length} bytes, port 9 and 192.0.2.1 where a sockaddr_in keeps them. */
    private static byte[] address(int family, int length) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) family).order(ByteOrder.BIG_ENDIAN).putShort((short) 9).put(new byte[] {(byte) 192, 0, 2, 1});
        return Arrays.copyOf(b.array(), length);
    }

    private static boolean tcp(int domain, byte[] addr, boolean send) {
        return RefusedAddresses.refused(domain, STREAM, TCP, addr, send);
    }

    private static boolean udp(int domain, byte[] addr, boolean send) {
        return RefusedAddresses.refused(domain, DGRAM, UDP, addr, send);
    }

    @Test
    void anIpv4SocketRefusesEveryFamilyButItsOwn() {
        for (boolean send : new boolean[] {SEND, CONNECT}) {
            for (int length : new int[] {16, 20, 24, 28}) {
                assertThat(tcp(AF_INET, address(AF_INET6, length), send)).as("tcp in6 %d", length).isTrue();
                assertThat(udp(AF_INET, address(AF_INET6, length), send)).as("udp in6 %d", length).isTrue();
                assertThat(tcp(AF_INET, address(AF_UNIX, length), send)).isTrue();
                assertThat(udp(AF_INET, address(17, length), send)).isTrue();
                assertThat(tcp(AF_INET, address(AF_INET, length), send)).as("its own family").isFalse();
                assertThat(udp(AF_INET, address(AF_INET, length), send)).isFalse();
            }
            assertThat(tcp(AF_INET, address(AF_INET, 15), send)).as("shorter than a sockaddr_in").isTrue();
            assertThat(udp(AF_INET, address(AF_INET, 12), send)).isTrue();
        }
    }

    @Test
    void anIpv6TcpSocketRefusesASockaddrIn() {
        for (boolean send : new boolean[] {SEND, CONNECT}) {
            assertThat(tcp(AF_INET6, address(AF_INET, 16), send)).as("EINVAL: shorter than RFC 2133's").isTrue();
            assertThat(tcp(AF_INET6, address(AF_INET, 28), send)).as("EAFNOSUPPORT").isTrue();
            assertThat(tcp(AF_INET6, address(AF_INET6, 20), send)).isTrue();
            assertThat(tcp(AF_INET6, address(AF_INET6, 24), send)).isFalse();
            assertThat(tcp(AF_INET6, address(AF_INET6, 28), send)).isFalse();
        }
    }

    @Test
    void anIpv6UdpSocketTakesASockaddrInAsIpv4() {
        for (boolean send : new boolean[] {SEND, CONNECT}) {
            assertThat(udp(AF_INET6, address(AF_INET, 16), send)).as("sent or connected as IPv4").isFalse();
            assertThat(udp(AF_INET6, address(AF_INET, 12), send)).as("IPv4's EINVAL").isTrue();
            assertThat(udp(AF_INET6, address(AF_INET6, 28), send)).isFalse();
            assertThat(udp(AF_INET6, address(AF_INET6, 16), send)).isTrue();
            assertThat(udp(AF_INET6, address(AF_UNIX, 28), send)).as("a send's EINVAL, a connect's EAFNOSUPPORT").isTrue();
        }
    }

    @Test
    void anUnspecifiedFamilyIsRefusedWhereNoProtocolReadsIt() {
        assertThat(tcp(AF_INET, address(AF_UNSPEC, 16), SEND)).as("EOPNOTSUPP").isTrue();
        assertThat(tcp(AF_INET6, address(AF_UNSPEC, 28), SEND)).isTrue();
        assertThat(udp(AF_INET, address(AF_UNSPEC, 8), SEND)).as("EINVAL: shorter than a sockaddr_in").isTrue();
        assertThat(udp(AF_INET, address(AF_UNSPEC, 16), SEND)).as("read as AF_INET (ProtocolAddress)").isFalse();
        assertThat(udp(AF_INET6, address(AF_UNSPEC, 28), SEND)).as("read as no address: decided as before").isFalse();
        for (int domain : new int[] {AF_INET, AF_INET6}) {
            assertThat(tcp(domain, address(AF_UNSPEC, 16), CONNECT)).as("a disconnect, served before").isFalse();
            assertThat(udp(domain, address(AF_UNSPEC, 16), CONNECT)).isFalse();
        }
    }

    @Test
    void anAddressWithoutAFamilyIsRefused() {
        for (int domain : new int[] {AF_INET, AF_INET6}) {
            for (boolean send : new boolean[] {SEND, CONNECT}) {
                assertThat(tcp(domain, new byte[0], send)).isTrue();
                assertThat(udp(domain, new byte[] {2}, send)).isTrue();
            }
        }
    }

    @Test
    void otherProtocolsAndFamiliesAreLeftToTheRules() {
        byte[] in6 = address(AF_INET6, 28);
        assertThat(RefusedAddresses.refused(AF_INET, RAW, 17, in6, SEND)).as("raw").isFalse();
        assertThat(RefusedAddresses.refused(AF_INET, STREAM, MPTCP, in6, CONNECT)).as("MPTCP").isFalse();
        assertThat(RefusedAddresses.refused(AF_INET, DGRAM, 1, in6, SEND)).as("ping").isFalse();
        assertThat(RefusedAddresses.refused(AF_UNIX, STREAM, 0, in6, CONNECT)).isFalse();
        assertThat(RefusedAddresses.refused(17, DGRAM, 0, in6, SEND)).as("packet").isFalse();
        assertThat(RefusedAddresses.refused(AF_INET, DGRAM, UDP, null, SEND)).as("no address").isFalse();
    }

    @Test
    void aSockaddrInOnAnIpv6SocketIsMadeToTheBroadcastAddress() {
        byte[] in = address(AF_INET, 16);
        byte[] made = RefusedAddresses.made(AF_INET6, in);
        assertThat(made).isEqualTo(new byte[] {2, 0, 0, 9, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThat(in).as("the address named, untouched").isEqualTo(address(AF_INET, 16));
        assertThat(RefusedAddresses.made(AF_INET6, address(AF_INET, 28))).hasSize(28).startsWith(made);
        assertThat(RefusedAddresses.made(AF_INET6, address(AF_INET, 12))).as("refused by IPv4 too")
                .isEqualTo(address(AF_INET, 12));
        assertThat(RefusedAddresses.made(AF_INET, address(AF_INET6, 28))).as("an IPv4 socket stays one")
                .isEqualTo(address(AF_INET6, 28));
        assertThat(RefusedAddresses.made(AF_INET6, address(AF_UNIX, 28))).isEqualTo(address(AF_UNIX, 28));
    }
}
