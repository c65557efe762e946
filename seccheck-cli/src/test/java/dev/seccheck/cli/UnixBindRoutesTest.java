package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Routes to a server at a unix path a {@code bind_network} rule denies, with no bind there the
 * rule could decide: the program binds its server elsewhere and then gives it the denied name by
 * a rename, a hard link, a symbolic link, a {@code RENAME_EXCHANGE} with a file put there, a
 * rename of a directory holding it to the denied name's directory, or a symbolic link made as
 * that directory; or makes a socket file there with mknod. Before, the rule was decided at bind
 * and listen only, and a client reached the program's server at the denied name by each route
 * (red-team report R2, F2). Natively each route reaches the server (mknod makes its socket file),
 * so the test cannot pass vacuously; a server renamed and linked elsewhere is reached under the
 * policy too. Under a pattern without an absolute start ({@code *}{@code /s/agent.sock}) a
 * directory moved to the denied name's directory, or a symbolic link made as it, is refused too
 * (red-team round 17: both were made).
 */
class UnixBindRoutesTest {

    private static final String ROUTES = """
            import ctypes, os, socket, stat, sys
            libc = ctypes.CDLL(None, use_errno=True)
            d = sys.argv[1]
            s, t, u = d + "/s", d + "/t", d + "/u"
            want, other = s + "/agent.sock", s + "/other.sock"

            def fresh():
                for dd in (s, t, u):
                    if os.path.islink(dd):
                        os.unlink(dd)
                    elif os.path.isdir(dd):
                        for f in os.listdir(dd):
                            os.unlink(dd + "/" + f)
                        os.rmdir(dd)
                os.mkdir(s)

            def server(path):
                srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                srv.bind(path)
                srv.listen()
                return srv

            def reach(route, srv, at):
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.connect(at)  # stands for the client that expects the agent there
                srv.accept()[0].close()
                c.close()
                print(route, "reached", flush=True)

            def exchange(a, b):
                if libc.syscall(316, -100, a.encode(), -100, b.encode(), 2) < 0:  # renameat2, RENAME_EXCHANGE
                    e = ctypes.get_errno()
                    raise OSError(e, os.strerror(e))

            def bind():
                reach("bind", server(want), want)

            def rename():
                srv = server(other)
                os.rename(other, want)
                reach("rename", srv, want)

            def link():
                srv = server(other)
                os.link(other, want)
                reach("link", srv, want)

            def symlink():
                srv = server(other)
                os.symlink(other, want)
                reach("symlink", srv, want)

            def exchanged():
                open(want, "w").close()
                srv = server(other)
                exchange(other, want)
                reach("exchange", srv, want)

            def dir_rename():
                os.rmdir(s)
                os.mkdir(t)
                srv = server(t + "/agent.sock")
                os.rename(t, s)
                reach("dir-rename", srv, want)

            def dir_symlink():
                os.rmdir(s)
                os.mkdir(t)
                srv = server(t + "/agent.sock")
                os.symlink(t, s)
                reach("dir-symlink", srv, want)

            def mknod():
                os.mknod(want, stat.S_IFSOCK | 0o600)
                print("mknod made", stat.S_ISSOCK(os.lstat(want).st_mode), flush=True)

            def elsewhere():
                srv = server(other)
                os.rename(other, s + "/third.sock")
                os.link(s + "/third.sock", s + "/fourth.sock")
                reach("elsewhere-renamed", srv, s + "/fourth.sock")
                os.mkdir(t)
                srv = server(t + "/x.sock")
                os.rename(t, u)
                reach("elsewhere-dir", srv, u + "/x.sock")

            for name, route in [("bind", bind), ("rename", rename), ("link", link), ("symlink", symlink),
                                ("exchange", exchanged), ("dir-rename", dir_rename), ("dir-symlink", dir_symlink),
                                ("mknod", mknod), ("elsewhere", elsewhere)]:
                fresh()
                try:
                    route()
                except OSError as e:
                    print(name, "errno", e.errno, flush=True)
            """;

    private static final List<String> ROUTES_TO_THE_DENIED_NAME = List.of("rename", "link", "symlink", "exchange",
            "dir-rename", "dir-symlink");

    @TempDir
    Path tmp;

    @Test
    void aServerBoundElsewhereCannotBeGivenANameABindRuleDenies() throws Exception {
        routes(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aServerBoundElsewhereCannotBeGivenANameABindRuleDeniesUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        routes(PackagedCli.nobodyClasspath());
    }

    /**
     * Natively a client reaches the program's server at {@code s/agent.sock} by every route, and
     * mknod makes a socket file there; under a policy denying binds at that path (EACCES) every
     * route fails with the rule's EACCES and an alert naming the rule, while a server renamed,
     * linked and moved with its directory elsewhere is still reached.
     */
    private void routes(String nobody) throws Exception {
        Path d = Files.createDirectory(tmp.resolve("d"));
        if (nobody != null) {
            PackagedCli.givenToNobody(d);
        }
        Path script = Files.writeString(tmp.resolve("routes.py"), ROUTES);
        Path policy = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "nobind",
                 "points": [{"name": "syscall/bind/enter"}, {"name": "syscall/connect/enter"},
                            {"name": "syscall/listen/enter"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "stderr", "rules": [
                   {"name": "no impostor", "effect": "bind_network", "match": {"unix_path": "%s/s/agent.sock"},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}""".formatted(d.toRealPath()));
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), d.toString());

        PackagedCli.Result natively = run(nobody, false, cmd);
        for (String route : ROUTES_TO_THE_DENIED_NAME) {
            assertThat(natively.out()).as("natively").contains(route + " reached");
        }
        assertThat(natively.out()).as("natively").contains("bind reached", "mknod made True",
                "elsewhere-renamed reached", "elsewhere-dir reached");

        PackagedCli.Result r = run(nobody, true, cmd, policy);
        for (String route : ROUTES_TO_THE_DENIED_NAME) {
            assertThat(r.out()).as(r.err()).contains(route + " errno 13").doesNotContain(route + " reached");
        }
        assertThat(r.out()).as(r.err()).contains("bind errno 13", "mknod errno 13", "elsewhere-renamed reached",
                "elsewhere-dir reached");
        assertThat(r.err()).contains("\"rule_name\":\"no impostor\"", "\"errno\":\"EACCES\"");

        // A pattern without an absolute start: a directory holding the server, moved to the denied
        // name's directory, reached it (red-team round 17); one moved elsewhere still does.
        Path anywhere = Files.writeString(tmp.resolve("anywhere.json"),
                Files.readString(policy).replace(d.toRealPath() + "/s/agent.sock\"", "*/s/agent.sock\"}")
                        .replace("\"unix_path\": \"*", "\"unix_path\": {\"glob\": \"*"));
        PackagedCli.Result a = run(nobody, true, cmd, anywhere);
        assertThat(a.out()).as(a.err()).contains("dir-rename errno 13", "dir-symlink errno 13", "rename errno 13",
                "elsewhere-dir reached").doesNotContain("dir-rename reached", "dir-symlink reached");
    }

    /**
     * A symbolic link whose text leads through procfs: {@code /proc/PID/root/run} spells a name
     * below {@code run}, which the rule's glob decides as it decides one below the link's own
     * name, yet an outside client follows it into the program's mount namespace, where the
     * program had bound its {@code tmp} (and its server there) over {@code /run}. The link was
     * made and the client reached the server (red-team round 18); now it is refused, as one whose
     * text does not tell where it leads. As root and as uid 65534, in a user and mount namespace
     * of the program's own.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSymbolicLinkThroughProcfsIsDecidedAsOneLeadingAnywhere(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path d = nobody ? PackagedCli.nobodysDir(tmp.resolve("n")) : Files.createDirectory(tmp.resolve("n"));
        Path script = Files.writeString(tmp.resolve("procroot.py"), """
                import os, subprocess, sys
                d = sys.argv[1]
                os.makedirs(d + "/tmp", exist_ok=True)
                subprocess.run(["mount", "--bind", d + "/tmp", "/run"], check=True)
                try:
                    os.symlink("/proc/%d/root/run" % os.getpid(), d + "/run")
                    print("symlink made", flush=True)
                except OSError as e:
                    print("symlink errno", e.errno, flush=True)
                """);
        Path policy = Files.writeString(tmp.resolve("run-sockets.json"), """
                {"name": "nobind", "points": [{"name": "syscall/bind/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "bind_network", "match": {"unix_path": {"glob": "*/run/*.sock"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""");
        List<String> cmd = List.of("unshare", "-Urm", "/usr/bin/python3", script.toString(), d.toString());
        PackagedCli.Result natively = run(classpath, false, cmd);
        assertThat(natively.out()).as(natively.err()).contains("symlink made");
        Files.delete(d.resolve("run"));
        PackagedCli.Result under = run(classpath, true, cmd, policy);
        assertThat(under.out()).as(under.err()).contains("symlink errno 13");
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
}
