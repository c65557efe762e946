package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * What seccheck holds and refuses of raw sockets that take the program's IP header under a rule on
 * reaching the network: socket() of IPPROTO_RAW for IPv4 and IPv6, and IP_HDRINCL and
 * IPV6_HDRINCL turned on, as the kernel reads their value. PolicyEnforcementTest sends through
 * each for real.
 */
class RawHeadersTest {

    private static OptionalInt filter(int nr, long... args) {
        return BpfInterpreter.run(RawHeaders.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, args));
    }

    @Test
    void theFilterHoldsRawSocketsOfIpAndTheirHeaderOptionsOnly() {
        OptionalInt held = OptionalInt.of(Seccomp.RET_USER_NOTIF);
        assertThat(filter(Sysno.SOCKET, 2, 3, 255)).isEqualTo(held);
        assertThat(filter(Sysno.SOCKET, 10, 3 | 0x80000, 255)).isEqualTo(held); // SOCK_CLOEXEC
        assertThat(filter(Sysno.SOCKET, 2, 3, 17)).isEmpty(); // a raw UDP socket: the kernel writes its header
        assertThat(filter(Sysno.SOCKET, 2, 3, 1)).isEmpty(); // ping's ICMP
        assertThat(filter(Sysno.SOCKET, 17, 3, 255)).isEmpty(); // AF_PACKET: a family of its own
        assertThat(filter(Sysno.SETSOCKOPT, 3, 0, 3, 0, 4)).isEqualTo(held);
        assertThat(filter(Sysno.SETSOCKOPT, 3, 41, 36, 0, 4)).isEqualTo(held);
        assertThat(filter(Sysno.SETSOCKOPT, 3, 0, 36, 0, 4)).isEmpty();
        assertThat(filter(Sysno.SETSOCKOPT, 3, 41, 3, 0, 4)).isEmpty();
        assertThat(filter(Sysno.SETSOCKOPT, 3, 1, 3, 0, 4)).isEmpty();
        assertThat(filter(Sysno.GETSOCKOPT, 3, 0, 3, 0, 4)).isEmpty();
        for (long[] a : new long[][] {{2, 255}, {10, 255}, {2, 17}, {17, 255}}) {
            assertThat(RawHeaders.holdsSocket(a[0], a[1])).isEqualTo(filter(Sysno.SOCKET, a[0], 3, a[1]).isPresent());
        }
        assertThat(RawHeaders.holdsOption(0, 3)).isTrue();
        assertThat(RawHeaders.holdsOption(41, 36)).isTrue();
        assertThat(RawHeaders.holdsOption(41, 3)).isFalse();
    }

    @Test
    void onlyARawTypeIsRefused() {
        assertThat(RawHeaders.raw(3)).isTrue();
        assertThat(RawHeaders.raw(3 | 0x800 | 0x80000)).isTrue(); // SOCK_NONBLOCK | SOCK_CLOEXEC
        assertThat(RawHeaders.raw(2)).isFalse();
        assertThat(RawHeaders.raw(1)).isFalse();
    }

    @Test
    void theValueIsReadAsTheKernelReadsIt() {
        int ip = SourceRoutes.SOL_IP;
        int ipv6 = SourceRoutes.SOL_IPV6;
        assertThat(RawHeaders.turnsOn(ip, new byte[] {1, 0, 0, 0})).isTrue();
        assertThat(RawHeaders.turnsOn(ip, new byte[] {0, 0, 1, 0})).isTrue();
        assertThat(RawHeaders.turnsOn(ip, new byte[] {0, 0, 0, 0})).isFalse();
        assertThat(RawHeaders.turnsOn(ip, new byte[] {1})).as("IPv4 takes a byte").isTrue();
        assertThat(RawHeaders.turnsOn(ipv6, new byte[] {1})).as("IPv6 takes nothing shorter than an int").isFalse();
        assertThat(RawHeaders.turnsOn(ip, new byte[0])).isFalse();
    }
}
