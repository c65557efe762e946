package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * connect(AF_UNSPEC) dissolves a socket's association and reaches no peer
 * ({@code src/test/c/unspec_disconnect.c}: UDP and TCP over IPv4 and IPv6, a unix datagram and a
 * unix stream socket, with the bytes of 192.0.2.1:9 after the family, which the kernel never
 * reads). Under the README's guard policy each disconnect failed with ENETUNREACH, with an alert
 * for family 0, and the socket stayed connected; now each is made as natively (the UDP socket's
 * send then fails with EDESTADDRREQ, the TCP one's with ECONNRESET), with no alert. Natively
 * first, as root and as uid 65534.
 */
class UnspecifiedDisconnectTest {

    @TempDir
    Path tmp;

    @Test
    void anUnspecifiedConnectDisconnectsAsNatively() throws Exception {
        disconnects(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void anUnspecifiedConnectDisconnectsAsNativelyUnprivileged() throws Exception {
        disconnects(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.forNobody(tmp));
    }

    private static void disconnects(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/unspec_disconnect.c", real);
        Path config = Files.writeString(real.resolve("guard.json"), Policies.readmeGuard());
        List<String> command = List.of(program.toString());
        String natively = DeepPathsTest.run(real, nobodysClasspath, false, command, config);
        assertThat(natively).as("natively").contains("ipv4 udp connect ok disconnect ok peer EDESTADDRREQ",
                "ipv6 tcp connect ok disconnect ok peer ECONNRESET", "unix dgram disconnect ok peer ENOTCONN",
                "unix stream connect EINVAL");
        assertThat(DeepPathsTest.run(real, nobodysClasspath, true, command, config))
                .as("under the README's guard policy: the same, with no alert").isEqualTo(natively);
    }
}
