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
 * While a session decides at bind's points, seccheck makes the program's listen itself, and the
 * kernel records the listener for its clients then (SO_PEERCRED): its pid, user and group. A
 * program of uid 65534 under a root seccheck was shown to its clients as root, and the pid was the
 * run's own, the very pid a control client trusts: a program that replaced its run's control
 * socket with its own was taken for the run.
 */
class ProgramListenersTest {

    /** A session deciding at bind's points (on a port nothing here uses): seccheck makes every listen. */
    private static final String BINDS = """
            {"name": "binds", "points": [{"name": "syscall/bind/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "nobind", "effect": "bind_network", "match": {"family": "AF_INET", "port": 40198},
                "action": "deny"}]}}]}""";

    /** As {@link #BINDS}, and a rule on names: seccheck makes renames, links and unlinks too. */
    private static final String BINDS_AND_NAMES = """
            {"name": "binds", "points": [{"name": "syscall/bind/enter"},
                                         {"name": "syscall/open/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "nobind", "effect": "bind_network", "match": {"family": "AF_INET", "port": 40198},
                "action": "deny"},
               {"name": "no keys", "effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    /** Listens at argv[2] (a name of its own), then renames its socket over the control socket at argv[1]. */
    private static final String RENAMER = """
            import os, socket, sys
            path, own = sys.argv[1:3]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.bind(own)
            s.listen(5)
            try:
                os.rename(own, path)
                print("listening in its place", flush=True)
            except OSError as e:
                print("rename refused:", e.strerror, flush=True)
            """;

    /** Listens on a unix stream socket at argv[1], says so, and serves one connection. */
    private static final String SERVER = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1])
            s.listen(1)
            print("listening", flush=True)
            c, _ = s.accept()
            c.recv(1)
            """;

    /** Connects to argv[1] and prints the listener's user and group as SO_PEERCRED gives them. */
    private static final String CLIENT = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            pid, uid, gid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            print("uid=%d gid=%d" % (uid, gid))
            """;

    /** Replaces the control socket at argv[1] with a listener of its own, and says what came of it. */
    private static final String TAKEOVER = """
            import os, socket, sys
            path = sys.argv[1]
            os.unlink(path)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.bind(path)
                s.listen(5)
                print("listening in its place", flush=True)
            except OSError as e:
                print("bind refused:", e.strerror, flush=True)
            """;

    @TempDir
    Path tmp;

    /**
     * A uid-65534 program's server under a root seccheck: its client sees uid and gid 65534, as
     * natively (before, 0 and 0: the listen was made with seccheck's credentials).
     */
    @Test
    void aListenSeccheckMakesShowsTheProgramsUserAndGroupToItsClients() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Path server = Files.writeString(tmp.resolve("server.py"), SERVER);
        Path client = Files.writeString(tmp.resolve("client.py"), CLIENT);
        Path config = Files.writeString(tmp.resolve("binds.json"), BINDS);
        Path dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        for (boolean supervised : new boolean[] {false, true}) {
            Path sock = dir.resolve(supervised ? "sc.sock" : "native.sock");
            List<String> cmd = new ArrayList<>();
            if (supervised) {
                cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
                cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", tmp.resolve("root").toString(),
                        "--config", config.toString(), "--"));
            }
            cmd.addAll(PackagedCli.nobody("/usr/bin/python3", server.toString(), sock.toString()));
            Path log = tmp.resolve(supervised ? "sc.log" : "native.log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                PackagedCli.await("the server to listen", Duration.ofSeconds(60),
                        () -> Files.readString(log).contains("listening"));
                PackagedCli.Result r = PackagedCli.run(
                        new ProcessBuilder("/usr/bin/python3", client.toString(), sock.toString()), tmp, Duration.ofSeconds(30));
                assertThat(r.out()).as(supervised ? "under seccheck" : "natively").isEqualTo("uid=65534 gid=65534\n");
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(Files.readString(log)).isZero();
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A root program under a root seccheck unlinks its run's control socket and binds its own there. */
    @Test
    void aProgramCannotPutItsListenerAtItsRunsControlSocket() throws Exception {
        takeover(tmp, PackagedCli.java(System.getProperty("java.class.path")), List.of());
    }

    /** The same with seccheck and its program as uid 65534 (the red team's case: one user, one runtime directory). */
    @Test
    void aProgramCannotPutItsListenerAtItsRunsControlSocketUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        takeover(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath), List.of("setpriv",
                "--reuid=" + PackagedCli.NOBODY, "--regid=" + PackagedCli.NOBODY, "--clear-groups"));
    }

    /**
     * The program listens under a name of its own (allowed: it is no run's directory) and renames
     * its socket over the run's control.sock. Natively, in a look-alike directory, the rename
     * works; under a session that also decides on names, seccheck makes the rename and refuses
     * it (before, the run's pid listened at control.sock for the program).
     */
    @Test
    void aProgramCannotRenameItsListenerOverItsRunsControlSocket() throws Exception {
        Path program = Files.writeString(tmp.resolve("renamer.py"), RENAMER);
        Path config = Files.writeString(tmp.resolve("names.json"), BINDS_AND_NAMES);
        Path own = Files.createDirectory(tmp.resolve("own"));
        Files.writeString(own.resolve("control.sock"), "");
        PackagedCli.Result n = PackagedCli.run(new ProcessBuilder("/usr/bin/python3", program.toString(),
                own.resolve("control.sock").toString(), tmp.resolve("mine-native.sock").toString()), tmp, Duration.ofSeconds(30));
        assertThat(n.out()).as(n.err()).isEqualTo("listening in its place\n");

        Path root = tmp.resolve("root");
        List<String> cmd = new ArrayList<>(PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", root.toString(), "--id", "ctl",
                "--config", config.toString(), "--", "/usr/bin/python3", program.toString(),
                root.resolve("ctl").resolve("control.sock").toString(), tmp.resolve("mine-sc.sock").toString()));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).isEqualTo("rename refused: Operation not permitted\n");
        assertThat(r.err()).contains("refused rename from task", "this run's control directory");
    }

    /**
     * Natively, in a directory of its own with a control.sock, the program binds and listens there
     * (so the test cannot pass vacuously). Under seccheck its bind in the run's directory is
     * refused (before, it listened there and seccheck's own CLI, finding the run's pid as the
     * listener, took it for the run: it listed the program's sessions and sent it an operator's
     * {@code seccheck exec} environment).
     */
    private void takeover(Path base, List<String> cli, List<String> asUser) throws Exception {
        Path program = Files.writeString(tmp.resolve("takeover.py"), TAKEOVER);
        Path config = Files.writeString(tmp.resolve("binds.json"), BINDS);
        Path own = asUser.isEmpty() ? Files.createDirectory(base.resolve("own")) : PackagedCli.nobodysDir(base.resolve("own"));
        Files.writeString(own.resolve("control.sock"), "");
        List<String> natively = new ArrayList<>(asUser);
        natively.addAll(List.of("/usr/bin/python3", program.toString(), own.resolve("control.sock").toString()));
        PackagedCli.Result n = PackagedCli.run(new ProcessBuilder(natively), tmp, Duration.ofSeconds(30));
        assertThat(n.out()).as(n.err()).isEqualTo("listening in its place\n");

        Path root = base.resolve("root");
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", root.toString(), "--id", "ctl",
                "--config", config.toString(), "--", "/usr/bin/python3", program.toString(),
                root.resolve("ctl").resolve("control.sock").toString()));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).isEqualTo("bind refused: Operation not permitted\n");
        assertThat(r.err()).contains("refused bind from task", "is in this run's control directory");
    }
}
