package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connects and sends naming an address that the socket's protocol refuses for its family or its
 * length ({@code src/test/c/foreign_family.c}): a {@code sockaddr_in6} on IPv4 TCP and UDP sockets
 * (EAFNOSUPPORT), a {@code sockaddr_in} on an IPv6 TCP socket (EINVAL; EAFNOSUPPORT when as long
 * as a {@code sockaddr_in6}), by connect, sendto, MSG_FASTOPEN, sendmsg and sendmmsg. seccheck
 * judged such an address by its own family and the README's guard policy refused each (its hosts,
 * 2001:db8::1, ::ffff:192.0.2.1 and 192.0.2.1, are not loopback) with ENETUNREACH and a deny alert;
 * the UDP connect left its socket unbound, and a connected TCP socket's connect said ENETUNREACH
 * before EISCONN. Now each is made as given, undecided, and the kernel answers in its own order,
 * with no alert; a {@code sockaddr_in} on an IPv6 UDP socket is still an IPv4 peer, sent to
 * loopback. Natively first, as root and as uid 65534.
 */
class ForeignFamilyAddressesTest {

    @TempDir
    Path tmp;

    @Test
    void anAddressTheSocketsProtocolRefusesIsAnsweredAsNatively() throws Exception {
        refused(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anAddressTheSocketsProtocolRefusesIsAnsweredAsNativelyUnprivileged() throws Exception {
        refused(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.forNobody(tmp));
    }

    private static void refused(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/foreign_family.c", real);
        Path config = Files.writeString(real.resolve("guard.json"), Policies.readmeGuard());
        List<String> command = List.of(program.toString());
        String natively = DeepPathsTest.run(real, nobodysClasspath, false, command, config);
        // The MSG_FASTOPEN lines depend on net.ipv4.tcp_fastopen (EOPNOTSUPP without its client bit): compared only.
        assertThat(natively).as("natively").contains("udp4 sendto in6 2001:db8::1 EAFNOSUPPORT",
                "udp4 sendto in6 ::ffff:192.0.2.1 EAFNOSUPPORT", "udp4 sendmsg in6 EAFNOSUPPORT",
                "udp4 sendmmsg loopback then in6 1", "udp4 sendmmsg in6 EAFNOSUPPORT", "udp4 sendto unspec 8 bytes EINVAL",
                "udp4 connect in6 EAFNOSUPPORT bound yes", "tcp4 connect in6 EAFNOSUPPORT", "tcp4 sendto in6 EPIPE",
                "tcp4 connected connect in6 EISCONN", "tcp6 connect in EINVAL", "tcp6 connect in 28 bytes EAFNOSUPPORT",
                "udp6 sendto family 1 EINVAL", "udp6 connect family 1 EAFNOSUPPORT", "udp6 sendto in loopback 1",
                "received m 6\n");
        assertThat(DeepPathsTest.run(real, nobodysClasspath, true, command, config))
                .as("under the README's guard policy: the same, with no alert").isEqualTo(natively);
    }
}
