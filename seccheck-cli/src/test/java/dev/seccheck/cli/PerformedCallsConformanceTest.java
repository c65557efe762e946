package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls seccheck performs for the program answer as they do natively (a red team's fuzzer, native
 * against a permissive session): a unix bind by a name with "." or ".." below a parent the
 * program may not search, openat2's RESOLVE_NO_XDEV at a bind mount of the same filesystem, at
 * an absolute symlink and at a magic link, RESOLVE_CACHED where the kernel's cached walk gives up,
 * and a netlink disconnect.
 */
class PerformedCallsConformanceTest {

    /** A session at connect's and bind's points, whose rules nothing here meets: seccheck makes binds and connects. */
    private static final String PERMISSIVE = """
            {"name": "min", "points": [{"name": "syscall/connect/enter"}, {"name": "syscall/bind/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "connect_network", "match": {"family": "AF_INET", "ip": "10.255.255.1/32"}, "action": "deny"},
               {"effect": "bind_network", "match": {"family": "AF_INET", "ip": "10.255.255.1/32"}, "action": "deny"}]}}]}""";

    /** A session deciding on opens: seccheck walks and makes every open. */
    private static final String OPENS = """
            {"name": "opens", "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}}, "action": "deny", "errno": "EACCES"}]}}]}""";

    @TempDir
    Path tmp;

    /**
     * As uid 65534 in a cwd whose parent is root's, mode 0770: "./a.sock" and "d/../b.sock" bind
     * natively (the kernel walks from the cwd); seccheck bound the decided file's absolute path,
     * which the kernel walks from "/", and failed with EACCES. "../in/c.sock" needs the parent:
     * EACCES both ways. Root searches every directory, so the case is uid 65534's only.
     */
    @Test
    void aUnixBindByDotNamesBelowAnUnsearchableParentBindsAsNativelyUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/bind_names.c", tmp);
        Path config = Files.writeString(tmp.resolve("permissive.json"), PERMISSIVE);
        Path xdg = PackagedCli.nobodysDir(tmp.resolve("xdg"));
        String expected = "bind ./a.sock = 0 \nbind d/../b.sock = 0 \nbind ./d/./e.sock = 0 \nbind ../in/c.sock = -1 EACCES\n";
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path outer = Files.createDirectory(tmp.resolve(underSeccheck ? "sc" : "native"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwx---")));
            Files.setPosixFilePermissions(outer, PosixFilePermissions.fromString("rwxrwx---"));
            Path in = Files.createDirectory(outer.resolve("in"));
            Files.setPosixFilePermissions(in, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.setPosixFilePermissions(Files.createDirectory(in.resolve("d")), PosixFilePermissions.fromString("rwxrwxrwx"));
            List<String> cmd = new ArrayList<>();
            if (underSeccheck) {
                cmd.addAll(PackagedCli.asNobody(classpath, "run", "--quiet", "-o", "/dev/null", "--config", config.toString(), "--"));
            } else {
                cmd.addAll(PackagedCli.nobody());
            }
            cmd.addAll(List.of(program.toString(), "./a.sock", "d/../b.sock", "./d/./e.sock", "../in/c.sock"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("XDG_RUNTIME_DIR", xdg.toString());
            PackagedCli.Result r = PackagedCli.run(pb, in, Duration.ofSeconds(120));
            String where = underSeccheck ? "under seccheck" : "natively";
            assertThat(r.status()).as(where + ": " + r.out() + r.err()).isZero();
            assertThat(r.out()).as(where + ": " + r.err()).isEqualTo(expected);
            assertThat(in.resolve("b.sock")).as(where).exists();
        }
    }

    /**
     * In a mount namespace of its own the program bind-mounts a directory onto itself: under
     * RESOLVE_NO_XDEV, a path into it and a ".." out of it fail with EXDEV natively (seccheck
     * compared devices, the same for a bind mount of one filesystem, and opened both); under
     * RESOLVE_CACHED a file where a directory is needed gives EAGAIN natively (seccheck: ENOTDIR).
     * Under RESOLVE_NO_XDEV an absolute symlink ("lw", to the cwd itself) fails with EXDEV in a
     * relative walk that has met no ".." ("lw", "./lw", from a dirfd): the kernel compares the
     * walk's mount with a root it sets only at a "..". After one ("d/../lw", "lsib/lw"), or from an
     * absolute name, it opens when the root is on the cwd's mount, and fails from a tmpfs
     * ("m/d" then "../lroot"); a magic link to another mount ("cwd" from /proc/self) fails, and
     * any under IN_ROOT or BENEATH. seccheck opened all of these.
     */
    @Test
    void openat2ResolveFlagsAnswerAsNatively() throws Exception {
        resolves(null);
    }

    /** The same with seccheck and its program as uid 65534, in a user namespace of the program's. */
    @Test
    void openat2ResolveFlagsAnswerAsNativelyUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        resolves(PackagedCli.nobodyClasspath());
    }

    private void resolves(String nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/openat2_resolve.c", tmp);
        Path config = Files.writeString(tmp.resolve("opens.json"), OPENS);
        Path w = Files.createDirectory(tmp.resolve("w"));
        Files.writeString(Files.createDirectory(w.resolve("sub")).resolve("f"), "x");
        Files.createDirectory(w.resolve("d"));
        Files.createDirectory(w.resolve("m"));
        for (Path p : List.of(w, w.resolve("sub"), w.resolve("d"), w.resolve("m"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Files.createSymbolicLink(w.resolve("lw"), w);
        Files.createSymbolicLink(w.resolve("lroot"), Path.of("/"));
        Files.createSymbolicLink(w.resolve("ldot"), Path.of("."));
        Files.createSymbolicLink(w.resolve("lsib"), Path.of("../w"));
        Files.createSymbolicLink(w.resolve("lin"), Path.of("/d"));
        String script = "cd " + w + " && mount --bind sub sub && mount -t tmpfs t m && mkdir m/d && ln -s / m/lroot"
                + " && exec " + program + " sub/f 0x1 sub/.. 0x1 f 0x1 sub/f/x 0x20"
                + " lw 0x1 ./lw 0x1 ldot/lw 0x1 lroot 0x1 d/../lw 0x1 lsib/lw 0x1 " + w + "/lw 0x1 lin 0x11 lw 0x9 lw 0"
                + " -C " + w + " lw 0x1 d/../lroot 0x1 -C " + w + "/m lroot 0x1 -C " + w + "/m/d ../lroot 0x1"
                + " -C /proc/self cwd 0x1 fd/%d 0x1 fd/%d 0x11 cwd 0x8";
        List<String> cmd = nobody == null
                ? List.of("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script)
                : List.of("unshare", "-Urm", "/bin/sh", "-c", script);
        // After a "..", an absolute symlink opens when the root and the walk share a mount: here
        // where the temporary directory is on the mount of "/".
        String sameMount = Files.getFileStore(w).equals(Files.getFileStore(Path.of("/"))) ? "opened" : "EXDEV";
        String expected = "openat2 sub/f resolve=0x1 = EXDEV\nopenat2 sub/.. resolve=0x1 = EXDEV\n"
                + "openat2 f resolve=0x1 = ENOENT\nopenat2 sub/f/x resolve=0x20 = EAGAIN\n"
                + "openat2 lw resolve=0x1 = EXDEV\nopenat2 ./lw resolve=0x1 = EXDEV\n"
                + "openat2 ldot/lw resolve=0x1 = EXDEV\nopenat2 lroot resolve=0x1 = EXDEV\n"
                + "openat2 d/../lw resolve=0x1 = " + sameMount + "\nopenat2 lsib/lw resolve=0x1 = " + sameMount + "\n"
                + "openat2 " + w + "/lw resolve=0x1 = " + sameMount + "\nopenat2 lin resolve=0x11 = opened\n"
                + "openat2 lw resolve=0x9 = EXDEV\nopenat2 lw resolve=0 = opened\n"
                + "openat2 " + w + " lw resolve=0x1 = EXDEV\nopenat2 " + w + " d/../lroot resolve=0x1 = " + sameMount + "\n"
                + "openat2 " + w + "/m lroot resolve=0x1 = EXDEV\nopenat2 " + w + "/m/d ../lroot resolve=0x1 = EXDEV\n"
                + "openat2 /proc/self cwd resolve=0x1 = EXDEV\nopenat2 /proc/self fd/%d resolve=0x1 = opened\n"
                + "openat2 /proc/self fd/%d resolve=0x11 = EXDEV\nopenat2 /proc/self cwd resolve=0x8 = EXDEV\n";
        for (boolean underSeccheck : new boolean[] {false, true}) {
            PackagedCli.Result r = nobody != null
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, underSeccheck, cmd, config)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck: " : "natively: ") + r.err()).isEqualTo(expected);
        }
        // Removed here: JUnit warns in every build when its cleanup meets a link leading out of @TempDir.
        for (String link : List.of("lroot", "lin")) {
            Files.delete(w.resolve(link));
        }
    }

    /** A netlink connect to AF_UNSPEC disconnects: 0 natively; seccheck refused it with EINVAL. */
    @Test
    void aNetlinkDisconnectAnswersAsNatively() throws Exception {
        disconnects(null);
    }

    /** The same with seccheck and its program as uid 65534. */
    @Test
    void aNetlinkDisconnectAnswersAsNativelyUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        disconnects(PackagedCli.nobodyClasspath());
    }

    private void disconnects(String nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/netlink_disconnect.c", tmp);
        Path config = Files.writeString(tmp.resolve("permissive.json"), PERMISSIVE);
        List<String> cmd = List.of(program.toString());
        for (boolean underSeccheck : new boolean[] {false, true}) {
            PackagedCli.Result r = nobody != null
                    ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, underSeccheck, cmd, config)
                    : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, config);
            assertThat(r.out()).as((underSeccheck ? "under seccheck: " : "natively: ") + r.err())
                    .isEqualTo("connect AF_NETLINK = 0 \nconnect AF_UNSPEC = 0 \n");
        }
    }
}
