package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sendto naming an address on a TCP socket connected to 127.0.0.1
 * ({@code src/test/c/tcp_sendto_ignored.c}). The kernel sends to the peer and ignores the address
 * (no MSG_FASTOPEN), but seccheck decided it as a connect to 192.0.2.1: under a loopback-only
 * policy the send failed with ENETUNREACH and a deny alert told of a connect no packet made. Now
 * it returns 1 and the byte reaches the loopback peer, with no alert; natively first, as root and
 * as uid 65534. The same held for a socket still connecting (SYN_SENT, whose send waits for its
 * connect: EAGAIN with MSG_DONTWAIT) and for a Multipath TCP socket, whose sends seccheck still
 * decided as connects (red-team round 23: ENETUNREACH and an alert where natively the send
 * waits); and every such send was reported at connect's points as a connect to the address it
 * ignores, under the default session too.
 */
class TcpSendtoTest {

    @TempDir
    Path tmp;

    @Test
    void aConnectedTcpSocketsSendtoIgnoresTheAddress() throws Exception {
        ignored(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aConnectedTcpSocketsSendtoIgnoresTheAddressUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        ignored(tmp, classpath);
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSendOnASocketStillConnectingIgnoresTheAddress(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path real = nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp.toRealPath();
        Path program = PackagedCli.compiledFor(real, nobody, "src/test/c/tcp_sendto_ignored.c");
        Path alerts = Files.createFile(real.resolve("alerts.jsonl"));
        Files.setPosixFilePermissions(alerts, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path config = Files.writeString(real.resolve("policy.json"), loopbackOnly(alerts));
        List<String> command = List.of(program.toString(), "connecting");
        for (boolean under : new boolean[] {false, true}) {
            assertThat(DeepPathsTest.run(real, classpath, under, command, config))
                    .as(under ? "under seccheck" : "natively").isEqualTo("sendto EAGAIN\n");
        }
        assertThat(Files.readAllLines(alerts)).as("the alerts").isEmpty();
    }

    /** The built-in session reports no connect to the address these sends ignore (it reports no plain send). */
    @ParameterizedTest
    @ValueSource(strings = {"connected", "mptcp", "connecting"})
    void theDefaultSessionReportsNoConnectToTheIgnoredAddress(String mode) throws Exception {
        Path real = tmp.toRealPath();
        Path program = CPrograms.compile("src/test/c/tcp_sendto_ignored.c", real);
        Path trail = real.resolve("trail.jsonl");
        List<String> command = new ArrayList<>(PackagedCli.java(System.getProperty("java.class.path")));
        command.addAll(List.of("run", "--quiet", "--root", real.resolve("root").toString(), "--format", "json", "-o",
                trail.toString(), "--", program.toString(), mode));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(command), real, PackagedCli.RUN_DEADLINE);
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("sendto ");
        assertThat(Files.readString(trail)).as("the trail").contains("\"point\":\"syscall/connect/exit\"")
                .doesNotContain("192.0.2.1");
    }

    private static String loopbackOnly(Path alerts) {
        return """
                {"name": "loopback", "points": [{"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "connect_network", "match": {"family": ["AF_INET", "AF_INET6"],
                    "ip": ["127.0.0.0/8", "::1/128"]}, "action": "allow"},
                   {"effect": "connect_network", "match": {"family": {"not": ["AF_UNIX", "AF_NETLINK"]}},
                    "action": "deny", "errno": "ENETUNREACH"}]}}]}""".formatted(alerts);
    }

    private static void ignored(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/tcp_sendto_ignored.c", real);
        Path alerts = Files.createFile(real.resolve("alerts.jsonl"));
        Files.setPosixFilePermissions(alerts, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path config = Files.writeString(real.resolve("policy.json"), loopbackOnly(alerts));
        List<String> command = List.of(program.toString());
        for (boolean under : new boolean[] {false, true}) {
            assertThat(DeepPathsTest.run(real, nobodysClasspath, under, command, config))
                    .as(under ? "under seccheck" : "natively").isEqualTo("sendto 1\npeer got x\n");
        }
        assertThat(Files.readAllLines(alerts)).as("the alerts").isEmpty();
    }
}
