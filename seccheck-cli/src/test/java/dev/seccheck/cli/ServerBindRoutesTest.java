package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes to a server on a port a {@code bind_network} rule denies, with no bind the rule could
 * decide: a bind whose address says {@code AF_UNSPEC}, which IPv4 takes as {@code AF_INET}
 * 0.0.0.0, and a listen on a socket never bound, which the kernel binds itself (to the port
 * {@code IP_LOCAL_PORT_RANGE} pins, or an ephemeral one). Before, the first carried no ip or port,
 * so the rule on the port (and {@code on_missing}) never applied, and the second fired no bind
 * point at all: the server came up. Natively each server is reached, so the test cannot pass
 * vacuously.
 */
class ServerBindRoutesTest {

    private static final String UNSPEC = """
            import ctypes, socket, struct, sys
            libc = ctypes.CDLL(None, use_errno=True)
            libc.bind.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            port = int(sys.argv[1])
            def bound(name, kind):
                s = socket.socket(socket.AF_INET, kind)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                unspec = struct.pack("<H", 0) + struct.pack(">H", port) + bytes(12)
                if libc.bind(s.fileno(), unspec, 16) < 0:
                    print(name, "errno", ctypes.get_errno(), flush=True)
                    return None
                return s
            s = bound("tcp-unspec", socket.SOCK_STREAM)
            if s:
                s.listen()
                socket.create_connection(("127.0.0.1", port)).sendall(b"x")
                print("tcp-unspec reached", s.accept()[0].recv(1), flush=True)
                s.close()
            u = bound("udp-unspec", socket.SOCK_DGRAM)
            if u:
                u.settimeout(2)
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port))
                print("udp-unspec reached", u.recv(1), flush=True)
            """;

    private static final String LISTENS = """
            import socket, struct, sys
            port, other = int(sys.argv[1]), int(sys.argv[2])
            def serve(name, s, to):
                try:
                    s.listen()
                except OSError as e:
                    print(name, "errno", e.errno, flush=True)
                    return
                c = socket.create_connection(to(s.getsockname()[1]))
                print(name, "reached", flush=True)
                c.close()
            s = socket.socket()
            s.setsockopt(socket.IPPROTO_IP, 51, struct.pack("=I", port | port << 16))  # IP_LOCAL_PORT_RANGE
            serve("listen-range", s, lambda p: ("127.0.0.1", p))
            serve("listen-again", s, lambda p: ("127.0.0.1", p))
            serve("listen-unbound", socket.socket(), lambda p: ("127.0.0.1", p))
            serve("listen-unbound6", socket.socket(socket.AF_INET6), lambda p: ("::1", p))
            b = socket.socket()
            b.bind(("127.0.0.1", other))
            serve("listen-bound", b, lambda p: ("127.0.0.1", p))
            """;

    @TempDir
    Path tmp;

    @Test
    void aBindOfFamilyUnspecIsDecidedAsTheIpv4BindItIs() throws Exception {
        unspecBind(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aBindOfFamilyUnspecIsDecidedAsTheIpv4BindItIsUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        unspecBind(PackagedCli.nobodyClasspath());
    }

    /**
     * Natively a TCP and a UDP server bound with {@code AF_UNSPEC} 0.0.0.0 and the port are
     * reached; under the red team's policy (no server on that port, loopback only, on_missing
     * deny) both binds fail with the rule's EACCES, and the alert names the address given.
     */
    private void unspecBind(String nobody) throws Exception {
        int port = freePort();
        Path script = Files.writeString(tmp.resolve("unspec.py"), UNSPEC);
        Path policy = policy(port);
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), Integer.toString(port));

        assertThat(run(nobody, false, cmd).out()).as("natively").contains("tcp-unspec reached", "udp-unspec reached");
        PackagedCli.Result r = run(nobody, true, cmd, policy);
        assertThat(r.out()).as(r.err()).contains("tcp-unspec errno 13", "udp-unspec errno 13").doesNotContain("reached");
        assertThat(r.err()).contains("\"named_address\":\"family 0\"");
    }

    @Test
    void aListenThatBindsItsSocketIsDecidedAsABind() throws Exception {
        listens(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aListenThatBindsItsSocketIsDecidedAsABindUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        listens(PackagedCli.nobodyClasspath());
    }

    /**
     * Natively a socket never bound listens on the port its IP_LOCAL_PORT_RANGE pins, or on an
     * ephemeral one (IPv4 and IPv6), and is reached; under the policy each such listen fails with
     * the rule's EACCES (the pinned port by the rule on it, the others by "loopback only": they
     * listen on every address), a second listen on the socket seccheck bound too, while a server
     * bound to 127.0.0.1 on another port still comes up.
     */
    private void listens(String nobody) throws Exception {
        int port = freePort();
        int other = freePort();
        Path script = Files.writeString(tmp.resolve("listens.py"), LISTENS);
        Path policy = policy(port);
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), Integer.toString(port), Integer.toString(other));

        assertThat(run(nobody, false, cmd).out()).as("natively").contains("listen-range reached", "listen-again reached",
                "listen-unbound reached", "listen-unbound6 reached", "listen-bound reached");
        PackagedCli.Result r = run(nobody, true, cmd, policy);
        assertThat(r.out()).as(r.err()).contains("listen-range errno 13", "listen-again errno 13",
                "listen-unbound errno 13", "listen-unbound6 errno 13", "listen-bound reached");
        assertThat(r.err()).contains("\"rule_name\":\"no server port\"", "\"rule_name\":\"loopback only\"");
    }

    /** The red team's policy: no server on {@code port}, and none on any address but 127.0.0.1; on_missing deny. */
    private Path policy(int port) throws IOException {
        return Files.writeString(tmp.resolve("policy.json"), """
                {"name": "bindpol", "points": [{"name": "syscall/bind/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no server port", "effect": "bind_network", "match": {"port": %d}, "action": "deny",
                    "errno": "EACCES"},
                   {"name": "loopback only", "effect": "bind_network", "match": {"ip": {"not": ["127.0.0.1/32"]}},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}""".formatted(port));
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

    /** A port free on every address now. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
