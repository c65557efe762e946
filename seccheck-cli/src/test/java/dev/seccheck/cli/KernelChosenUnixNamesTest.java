package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unix socket given a name by the kernel, with no bind of that name a rule could decide, is
 * decided as binding the abstract name {@code @}: an autobind (a bind of the family alone), a
 * stream socket with SO_PASSCRED whose connect to a file that is no socket fails, and a datagram
 * socket with SO_PASSCRED connected and then disconnected (AF_UNSPEC), which then receives from
 * anyone; a datagram socket that a send without an address (not held) named is decided on its
 * name as it disconnects. Before, under a rule denying abstract names ({@code glob "@*"}) a
 * client reached each with no alert, and under one denying names {@code not glob "/*"} the
 * autobind alone was refused (its name read as {@code ""}) (red-team report R2, F2). Natively a
 * client reaches each, so the test cannot pass vacuously; a server bound to a path and one bound
 * to an allowed abstract name are reached under the policies too. A connect to a path where
 * nothing is names its SO_PASSCRED socket as natively where seccheck answers it from its own walk
 * (F3: before, under the README's guard policy, the socket stayed unnamed and its listen failed).
 */
class KernelChosenUnixNamesTest {

    private static final String ROUTES = """
            import ctypes, os, socket, sys
            libc = ctypes.CDLL(None, use_errno=True)
            d = sys.argv[1]
            SO_PASSCRED = 16

            def passcred(kind):
                s = socket.socket(socket.AF_UNIX, kind)
                s.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
                return s

            def attempt(route, call):
                try:
                    call()
                except OSError as e:
                    print(route, "connect errno", e.errno, flush=True)

            def disconnect(s):
                unspec = ctypes.create_string_buffer(16)  # family AF_UNSPEC
                if libc.connect(s.fileno(), unspec, 16) < 0:
                    e = ctypes.get_errno()
                    raise OSError(e, os.strerror(e))

            def serves(route, s, dgram=False):
                n = s.getsockname()
                if not n:
                    print(route, "unnamed", flush=True)
                    return
                c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM if dgram else socket.SOCK_STREAM)
                if dgram:
                    c.sendto(b"from outside", n)
                    s.settimeout(10)
                    s.recv(64)
                else:
                    s.listen()
                    c.connect(n)
                    s.accept()[0].close()
                c.close()
                print(route, "reached", "abstract" if isinstance(n, bytes) and n[:1] == b"\\0" else "path", flush=True)

            def autobind():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind("")
                serves("autobind", s)

            def refused_connect():
                s = passcred(socket.SOCK_STREAM)
                attempt("refused-connect", lambda: s.connect(d + "/plain"))
                serves("refused-connect", s)

            def datagram():
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                srv.bind(d + "/dg.sock")
                s = passcred(socket.SOCK_DGRAM)
                attempt("datagram", lambda: s.connect(d + "/dg.sock"))
                disconnect(s)
                serves("datagram", s, dgram=True)

            def written():
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                srv.bind(d + "/dg2.sock")
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.connect(d + "/dg2.sock")
                s.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
                s.send(b"names it")  # no address: a send seccheck does not hold
                disconnect(s)
                serves("written", s, dgram=True)

            def no_peer():
                s = passcred(socket.SOCK_STREAM)
                attempt("no-peer", lambda: s.connect(d + "/none.sock"))
                serves("no-peer", s)

            def path():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(d + "/srv.sock")
                serves("path", s)

            def allowed():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(b"\\0allowed")
                serves("allowed", s)

            open(d + "/plain", "w").close()
            os.chmod(d + "/plain", 0o666)
            for name, route in [("autobind", autobind), ("refused-connect", refused_connect), ("datagram", datagram),
                                ("written", written), ("no-peer", no_peer), ("path", path), ("allowed", allowed)]:
                try:
                    route()
                except OSError as e:
                    print(name, "errno", e.errno, flush=True)
            """;

    private static final String BOTH = "{\"name\": \"syscall/bind/enter\"}, {\"name\": \"syscall/connect/enter\"}";

    /** The routes to an abstract name the kernel chooses, each refused by both policies. */
    private static final List<String> KERNEL_CHOSEN = List.of("autobind", "refused-connect", "datagram", "written",
            "no-peer");

    /**
     * The points and the rule denying abstract names of each policy: as red-team report R2 wrote
     * them, and each with bind's point alone (connects are then held for the names they give). Each rule comes after one allowing {@code @allowed}.
     */
    private static final List<List<String>> DENIALS = List.of(
            List.of(BOTH, "{\"unix_path\": {\"glob\": \"@*\"}}"),
            List.of(BOTH, "{\"family\": \"AF_UNIX\", \"unix_path\": {\"not\": {\"glob\": \"/*\"}}}"),
            List.of("{\"name\": \"syscall/bind/enter\"}", "{\"unix_path\": {\"glob\": \"@*\"}}"),
            List.of("{\"name\": \"syscall/bind/enter\"}",
                    "{\"family\": \"AF_UNIX\", \"unix_path\": {\"not\": {\"glob\": \"/*\"}}}"));

    @TempDir
    Path tmp;

    @Test
    void aNameTheKernelChoosesIsDecidedAsAnAbstractBind() throws Exception {
        routes(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aNameTheKernelChoosesIsDecidedAsAnAbstractBindUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        routes(PackagedCli.nobodyClasspath());
    }

    /**
     * Natively a client reaches every server; under each policy the kernel-chosen names are
     * refused with the rule's EACCES and an alert naming it, the path and {@code @allowed} servers
     * reached; under the README's guard policy, which decides no bind, the output is the native one.
     */
    private void routes(String nobody) throws Exception {
        PackagedCli.Result natively = run(nobody, false);
        for (String route : KERNEL_CHOSEN) {
            assertThat(natively.out()).as("natively").contains(route + " reached abstract");
        }
        assertThat(natively.out()).as("natively").contains("refused-connect connect errno 111",
                "no-peer connect errno 2", "path reached path", "allowed reached abstract");

        for (int i = 0; i < DENIALS.size(); i++) {
            String points = DENIALS.get(i).get(0);
            String rule = DENIALS.get(i).get(1);
            Path policy = Files.writeString(tmp.resolve("policy" + i + ".json"), """
                    {"name": "noabs",
                     "points": [%s],
                     "sinks": [{"name": "policy", "config": {"alerts": "stderr", "rules": [
                       {"name": "allowed", "effect": "bind_network", "match": {"unix_path": "@allowed"}, "action": "allow"},
                       {"name": "no abstract servers", "effect": "bind_network", "match": %s, "action": "deny",
                        "errno": "EACCES"}],
                      "on_missing": "deny"}}]}""".formatted(points, rule));
            PackagedCli.Result r = run(nobody, true, policy);
            for (String route : KERNEL_CHOSEN) {
                assertThat(r.out()).as(rule + ": " + r.err()).doesNotContain(route + " reached");
            }
            assertThat(r.out()).as(rule + ": " + r.err()).contains("autobind errno 13",
                    "refused-connect connect errno 13", "refused-connect unnamed", "datagram connect errno 13",
                    "datagram unnamed", "written errno 13", "no-peer connect errno 13", "no-peer unnamed", "path reached path",
                    "allowed reached abstract");
            assertThat(r.err()).contains("\"rule_name\":\"no abstract servers\"", "\"unix_path\":\"@\"");
        }

        Path guard = Files.writeString(tmp.resolve("guard.json"), Policies.readmeGuard());
        assertThat(run(nobody, true, guard).out()).as("under the README's guard policy").isEqualTo(natively.out());
    }

    /**
     * Runs the routes in a fresh directory, natively or under {@code seccheck run --quiet} with
     * {@code config} alone (as red-team report R2 ran it: no other session's points held), as uid
     * 65534 with the CLI from class path {@code nobody} ({@link PackagedCli#nobodyClasspath}), or
     * as this JVM's user when null.
     */
    private PackagedCli.Result run(String nobody, boolean underSeccheck, Path... config) throws Exception {
        Path d = Files.createTempDirectory(tmp, "d");
        if (nobody != null) {
            PackagedCli.givenToNobody(d);
        }
        Path script = Files.writeString(tmp.resolve("routes.py"), ROUTES);
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), d.toString());
        if (!underSeccheck) {
            return nobody != null ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, false, cmd)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, false, cmd);
        }
        return PackagedCli.run(new ProcessBuilder(PackagedCli.run(tmp, nobody != null, config[0], cmd)), tmp,
                Duration.ofSeconds(120));
    }
}
