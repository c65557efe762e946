package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes to a local server through the unspecified address that the kernel resolves from more
 * than the address named: a datagram's IP_PKTINFO (IPV6_PKTINFO) record names its source, which
 * 0.0.0.0 then becomes; a socket bound to a multicast or the broadcast address has no source, so
 * 0.0.0.0 becomes 127.0.0.1 and not the address bound; and a second thread binding the socket
 * between seccheck's look at it and the connect changed where 0.0.0.0 led. Before, each reached
 * a server a rule denies: decided as going to the socket's own or loopback address, to the
 * multicast address, to 127.0.0.1 while the kernel went to 127.0.0.2.
 */
class UnspecifiedAddressRoutesTest {

    private static final String SENDS = """
            import socket, struct, sys
            p1, p2 = int(sys.argv[1]), int(sys.argv[2])
            def attempt(name, family, kind, act):
                s = socket.socket(family, kind)
                try:
                    act(s)
                    print(name, "sent", flush=True)
                except OSError as e:
                    print(name, "errno", e.errno, flush=True)
                s.close()
            def info4(ip):  # IP_PKTINFO (8), which python3 does not name
                return (socket.IPPROTO_IP, 8, struct.pack("=i4s4s", 0, socket.inet_aton(ip), bytes(4)))
            def info6(ip):
                return (socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, socket.inet_pton(socket.AF_INET6, ip) + bytes(4))
            def bound(ip, to, data=None):
                def act(s):
                    s.bind((ip, 0))
                    if data is None:
                        s.connect((to, p2))
                    else:
                        s.sendto(data, (to, p2))
                return act
            v4, v6, udp, tcp = socket.AF_INET, socket.AF_INET6, socket.SOCK_DGRAM, socket.SOCK_STREAM
            attempt("pktinfo4", v4, udp, lambda s: s.sendmsg([b"pktinfo4"], [info4("127.0.0.2")], 0, ("0.0.0.0", p1)))
            attempt("pktinfo6", v6, udp,
                    lambda s: s.sendmsg([b"pktinfo6"], [info6("::ffff:127.0.0.2")], 0, ("::ffff:0.0.0.0", p1)))
            attempt("pktinfo6-ip", v6, udp,
                    lambda s: s.sendmsg([b"pktinfo6-ip"], [info4("127.0.0.2")], 0, ("::ffff:0.0.0.0", p1)))
            attempt("multicast-udp", v4, udp, bound("224.0.0.1", "0.0.0.0", b"multicast-udp"))
            attempt("broadcast-udp", v4, udp, bound("255.255.255.255", "0.0.0.0", b"broadcast-udp"))
            attempt("multicast-tcp", v4, tcp, bound("224.0.0.1", "0.0.0.0"))
            attempt("broadcast-tcp", v4, tcp, bound("255.255.255.255", "0.0.0.0"))
            """;

    private static final String[] ROUTES = {"pktinfo4", "pktinfo6", "pktinfo6-ip", "multicast-udp", "broadcast-udp",
        "multicast-tcp", "broadcast-tcp"};

    @TempDir
    Path tmp;

    @Test
    void aDatagramsSourceAndASocketsBroadcastBindDoNotLeadPastARule() throws Exception {
        sends(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aDatagramsSourceAndASocketsBroadcastBindDoNotLeadPastARuleUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        sends(PackagedCli.nobodyClasspath());
    }

    /**
     * Natively every datagram arrives at the server it was aimed at (one on 127.0.0.2, one on
     * 127.0.0.1) and every connect is made; under a policy denying 127.0.0.2 and the second port
     * on loopback (the README's example rule), each is refused with the rule's errno, and none
     * arrives.
     */
    private void sends(String nobody) throws Exception {
        try (DatagramSocket second = udp("127.0.0.2", 0);
                DatagramSocket local = udp("127.0.0.1", 0);
                ServerSocket server = new ServerSocket(local.getLocalPort(), 50, InetAddress.getByName("127.0.0.1"))) {
            int p1 = second.getLocalPort();
            int p2 = local.getLocalPort();
            Path script = Files.writeString(tmp.resolve("sends.py"), SENDS);
            Path policy = Files.writeString(tmp.resolve("policy.json"), """
                    {"name": "net", "points": [{"name": "syscall/connect/enter"}],
                     "sinks": [{"name": "policy", "config": {"rules": [
                       {"name": "no 127.0.0.2", "effect": "connect_network", "match": {"ip": "127.0.0.2/32"},
                        "action": "deny", "errno": "ENETUNREACH"},
                       {"name": "local server", "effect": "connect_network",
                        "match": {"ip": ["127.0.0.0/8", "::1/128"], "port": %d}, "action": "deny", "errno": "ECONNREFUSED"},
                       {"effect": "connect_network", "match": {}, "action": "allow"}]}}]}""".formatted(p2));
            List<String> cmd = List.of("/usr/bin/python3", script.toString(), Integer.toString(p1), Integer.toString(p2));

            String natively = run(nobody, false, cmd).out();
            for (String route : ROUTES) {
                assertThat(natively).as("natively").contains(route + " sent");
            }
            assertThat(received(second)).as("natively").containsExactlyInAnyOrder("pktinfo4", "pktinfo6", "pktinfo6-ip");
            assertThat(received(local)).as("natively").containsExactlyInAnyOrder("multicast-udp", "broadcast-udp");

            PackagedCli.Result r = run(nobody, true, cmd, policy);
            assertThat(r.out()).as(r.err()).contains("pktinfo4 errno 101", "pktinfo6 errno 101", "pktinfo6-ip errno 101",
                    "multicast-udp errno 111", "broadcast-udp errno 111", "multicast-tcp errno 111",
                    "broadcast-tcp errno 111").doesNotContain(" sent");
            assertThat(received(second)).as("under the policy").isEmpty();
            assertThat(received(local)).as("under the policy").isEmpty();
        }
    }

    /**
     * A second thread binds the socket to 127.0.0.2 while the first connects it to 0.0.0.0. After
     * the bind, natively, every connect reaches 127.0.0.2 (the program waits for the bind: the
     * route is real); racing it under a policy denying 127.0.0.2, none does, whichever comes
     * first: seccheck decides the address the socket has when it looks and makes the connect to
     * that address. Before, some connects reached 127.0.0.2 (7 of 300 in one run here, up to one
     * in six in the red team's runs of 10,000).
     */
    @Test
    void aBindRacingAConnectToTheUnspecifiedAddressDoesNotLeadPastARule() throws Exception {
        race(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aBindRacingAConnectToTheUnspecifiedAddressDoesNotLeadPastARuleUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        race(PackagedCli.nobodyClasspath());
    }

    private void race(String nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/unspecified_race.c", tmp, "-pthread");
        Path policy = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "net", "points": [{"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no 127.0.0.2", "effect": "connect_network", "match": {"ip": "127.0.0.2/32"},
                    "action": "deny", "errno": "ENETUNREACH"},
                   {"effect": "connect_network", "match": {}, "action": "allow"}]}}]}""");
        int tries = 300;

        String natively = run(nobody, false, List.of(program.toString(), Integer.toString(freePort()),
                Integer.toString(tries), "20000", "bound-first")).out();
        assertThat(natively).contains("reached 127.0.0.2: " + tries + ",");

        PackagedCli.Result r = run(nobody, true, List.of(program.toString(), Integer.toString(freePort()),
                Integer.toString(tries), "20000"), policy);
        assertThat(r.out()).as(r.err()).contains("reached 127.0.0.2: 0,").doesNotContain("reached 127.0.0.1: 0,")
                .contains("other errors: 0");
    }

    /**
     * Runs {@code cmd} natively or under seccheck with {@code configs}: as uid 65534, with the CLI
     * from class path {@code nobody} ({@link PackagedCli#nobodyClasspath}), or as this JVM's user when null.
     */
    private PackagedCli.Result run(String nobody, boolean underSeccheck, List<String> cmd, Path... configs)
            throws Exception {
        return nobody != null
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, underSeccheck, cmd, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, configs);
    }

    private static DatagramSocket udp(String ip, int port) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ip), port));
        s.setSoTimeout(200);
        return s;
    }

    /** A TCP port free on every address now. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The datagrams {@code udp} has received, as text, until none comes within its timeout. */
    private static List<String> received(DatagramSocket udp) throws IOException {
        return PolicyEnforcementTest.received(udp);
    }
}
