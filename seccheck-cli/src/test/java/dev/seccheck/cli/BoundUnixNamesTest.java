package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unix socket seccheck binds for the program keeps the name the program gave: it is what
 * getsockname says, and the address its peers see and reply to. seccheck bound from inside the
 * decided directory by the last component, so a socket bound as {@code /abs/dir/client.sock} was
 * named {@code client.sock}, and a datagram server outside the run sent its reply into the
 * socket of that name in its own cwd: its private one, not the client's.
 */
class BoundUnixNamesTest {

    /** A session whose rule decides on opening files: seccheck then makes every unix bind by name. */
    private static final String NAMES = """
            {"name": "names", "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                                         {"name": "syscall/bind/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no keys", "effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    /**
     * An echo server with a private socket named client.sock in its cwd: says who asked (the
     * address recvfrom gives), replies there, and says whether its private socket got the reply.
     */
    private static final String SERVER = """
            import os, select, socket, sys
            os.chdir(sys.argv[1])
            private = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            private.bind("client.sock")
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            srv.bind(sys.argv[2])
            os.chmod(sys.argv[2], 0o777)
            print("ready", flush=True)
            data, addr = srv.recvfrom(100)
            print("request from %r" % addr, flush=True)
            try:
                srv.sendto(b"ECHO:" + data, addr)
            except OSError as e:
                print("reply failed:", e.strerror, flush=True)
            r, _, _ = select.select([private], [], [], 1)
            print("private socket got", private.recv(100) if r else None, flush=True)
            """;

    /** Binds at argv[1] (from the cwd argv[3]), sends to argv[2], and prints its name and the reply. */
    private static final String CLIENT = """
            import os, select, socket, sys
            os.chdir(sys.argv[3])
            c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            c.bind(sys.argv[1])
            print("bound as %r" % c.getsockname(), flush=True)
            c.sendto(b"hello", sys.argv[2])
            r, _, _ = select.select([c], [], [], 5)
            print("reply", c.recv(100) if r else None, flush=True)
            """;

    @TempDir
    Path tmp;

    @Test
    void aSocketBoundByAnAbsolutePathKeepsItsNameForItsPeers() throws Exception {
        exchange(tmp, PackagedCli.java(System.getProperty("java.class.path")), List.of(), true);
    }

    @Test
    void aSocketBoundByARelativePathKeepsItsName() throws Exception {
        exchange(tmp, PackagedCli.java(System.getProperty("java.class.path")), List.of(), false);
    }

    /** The same with seccheck and its program as uid 65534. */
    @Test
    void aSocketBoundByAnAbsolutePathKeepsItsNameForItsPeersUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        exchange(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath),
                List.of("setpriv", "--reuid=" + PackagedCli.NOBODY, "--regid=" + PackagedCli.NOBODY, "--clear-groups"),
                true);
    }

    /**
     * Natively, then under seccheck, the client binds in a directory of its own (by its absolute
     * path, or by a name relative to it) and asks the server: the name it is bound as, the
     * address the server sees, and where the reply goes are the same both times (by its absolute
     * name, to the client; by a relative one, natively too, to the server's own socket).
     */
    private void exchange(Path base, List<String> cli, List<String> asUser, boolean absolute) throws Exception {
        Path server = Files.writeString(tmp.resolve("server.py"), SERVER);
        Path client = Files.writeString(tmp.resolve("client.py"), CLIENT);
        Path config = Files.writeString(tmp.resolve("names.json"), NAMES);
        for (boolean supervised : new boolean[] {false, true}) {
            Path serverCwd = Files.createDirectories(tmp.resolve(supervised ? "srvcwd-sc" : "srvcwd-native"));
            Path own = Files.createDirectory(base.resolve(supervised ? "sc" : "native"));
            if (!asUser.isEmpty()) {
                Files.setOwner(own, own.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
            }
            Path echo = tmp.resolve(supervised ? "echo-sc.sock" : "echo-native.sock");
            String name = absolute ? own.resolve("client.sock").toString() : "client.sock";
            Path log = tmp.resolve(supervised ? "server-sc.log" : "server-native.log");
            Process s = new ProcessBuilder("/usr/bin/python3", server.toString(), serverCwd.toString(), echo.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                PackagedCli.await("the server", Duration.ofSeconds(30), () -> Files.readString(log).startsWith("ready\n"));
                List<String> cmd = new ArrayList<>();
                if (supervised) {
                    cmd.addAll(cli);
                    cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", base.resolve("root").toString(),
                            "--config", config.toString(), "--"));
                } else {
                    cmd.addAll(asUser);
                }
                cmd.addAll(List.of("/usr/bin/python3", client.toString(), name, echo.toString(), own.toString()));
                PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
                String how = supervised ? "under seccheck" : "natively";
                assertThat(r.status()).as(how + ": " + r.out() + r.err()).isZero();
                // By a relative name, natively too the reply goes to the server's own socket of that name.
                assertThat(r.out()).as(how).isEqualTo("bound as '" + name + "'\n"
                        + (absolute ? "reply b'ECHO:hello'\n" : "reply None\n"));
                assertThat(s.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(Files.readString(log)).as(how).isEqualTo("ready\nrequest from '" + name + "'\n"
                        + (absolute ? "private socket got None\n" : "private socket got b'ECHO:hello'\n"));
            } finally {
                s.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
