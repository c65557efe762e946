package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * seccheck run as root performs a program's opens, connects and binds with the program's
 * credentials, not its own: a program that root started with fewer rights (another user, fewer
 * capabilities) gets exactly the kernel's native answers under the default session. Before, the
 * calls seccheck performed kept root's capabilities and effective ids: a program run as uid 65534
 * bound a port below 1024 and reached a unix server as root (SO_PEERCRED said uid 0), and a root
 * program without CAP_DAC_OVERRIDE read a file of another user's, and root in a user namespace of
 * its own bound a low port of the host's network. Each case runs natively first,
 * with and without the lowered rights, so that it cannot pass vacuously.
 */
class EmulatedCredentialsTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void asRoot() throws IOException {
        PackagedCli.assumeNobody(tmp);
    }

    /** {@code command} natively, or under {@code seccheck run} with the default session. */
    private PackagedCli.Result run(boolean supervised, List<String> command) throws Exception {
        return run(supervised, null, command);
    }

    /** {@code command} natively, or under {@code seccheck run} with {@code config} (the default session when null). */
    private PackagedCli.Result run(boolean supervised, Path config, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (supervised) {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet"));
            if (config != null) {
                cmd.addAll(List.of("--config", config.toString()));
            }
            cmd.add("--");
        }
        cmd.addAll(command);
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
    }

    private static List<String> python(String script, String... before) {
        List<String> cmd = new ArrayList<>(List.of(before));
        cmd.addAll(List.of("/usr/bin/python3", "-c", script));
        return cmd;
    }

    private static String[] asNobody() {
        return PackagedCli.nobody().toArray(String[]::new);
    }

    private static final String BIND = """
                import socket
                for port in range(1023, 600, -1):
                    s = socket.socket()
                    try:
                        s.bind(("127.0.0.1", port))
                        print("bound"); break
                    except PermissionError:
                        print("EACCES"); break
                    except OSError:
                        s.close()
                """;

    @Test
    void aBindBelowPort1024NeedsTheProgramsCapabilityNotSecchecks() throws Exception {
        String bind = BIND;
        assertThat(run(false, python(bind)).out()).as("root binds natively").isEqualTo("bound\n");
        assertThat(run(false, python(bind, asNobody())).out()).as("uid 65534 may not natively").isEqualTo("EACCES\n");
        assertThat(run(true, python(bind)).out()).as("root under seccheck").isEqualTo("bound\n");
        PackagedCli.Result nobody = run(true, python(bind, asNobody()));
        assertThat(nobody.out()).as(nobody.err()).isEqualTo("EACCES\n");
        assertThat(nobody.err()).as("the bind was seen").contains("bind(");
    }

    /**
     * Root in a user namespace of its own has its capabilities there, not in the host's network
     * namespace, where a low port needs CAP_NET_BIND_SERVICE: natively the bind fails. Before,
     * its ids and capability sets (0 and all, read from /proc) looked like seccheck's own. The
     * namespace's uid_map, mapping host root, is written through an open seccheck performs, as
     * natively.
     */
    @Test
    void aRootProgramInAUserNamespaceOfItsOwnHasNoCapabilityInSecchecks() throws Exception {
        List<String> inUserNs = python(BIND, "unshare", "--user", "--map-root-user");
        PackagedCli.Result natively = run(false, inUserNs);
        org.junit.jupiter.api.Assumptions.assumeTrue(natively.status() == 0, "user namespaces: " + natively.err());
        assertThat(natively.out()).isEqualTo("EACCES\n");
        PackagedCli.Result under = run(true, inUserNs);
        assertThat(under.out()).as(under.err()).isEqualTo("EACCES\n");
    }

    @Test
    void aUnixPeerSeesTheProgramsUserAndGroupNotRoot() throws Exception {
        Path sock = tmp.resolve("peer.sock");
        String connect = "import socket; s = socket.socket(socket.AF_UNIX); s.connect('" + sock + "'); s.send(b'x')";
        assertThat(peerOf(sock, () -> run(false, python(connect, asNobody())))).isEqualTo("65534/65534");
        assertThat(peerOf(sock, () -> run(false, python(connect)))).isEqualTo("0/0");
        assertThat(peerOf(sock, () -> run(true, python(connect)))).isEqualTo("0/0");
        assertThat(peerOf(sock, () -> run(true, python(connect, asNobody())))).isEqualTo("65534/65534");
    }

    /** A client the test starts. */
    @FunctionalInterface
    private interface Client {
        PackagedCli.Result start() throws Exception;
    }

    /** Listens on {@code sock}, open to every user, accepts one client and prints its "uid/gid" (SO_PEERCRED). */
    private static final String PEER_SERVER = """
            import os, socket, struct, sys
            path = sys.argv[1]
            if os.path.exists(path):
                os.unlink(path)
            srv = socket.socket(socket.AF_UNIX)
            srv.bind(path)
            os.chmod(path, 0o777)
            srv.settimeout(30)  # no client within 30 s: the server ends, and the test reads no peer
            srv.listen(1)
            print("ready", flush=True)
            c, _ = srv.accept()
            c.recv(1)
            pid, uid, gid = struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            print("%d/%d" % (uid, gid), flush=True)
            """;

    /**
     * Runs {@code client} against a server process of its own listening on {@code sock} and
     * returns the peer's "uid/gid" the server saw.
     */
    private static String peerOf(Path sock, Client client) throws Exception {
        return peerOf(sock, PEER_SERVER, client);
    }

    /**
     * As {@link #peerOf(Path, Client)}, with the server {@code script}. Every wait has a deadline:
     * the client's run 120 s, the server's wait for it 30 s (then it ends and its output ends).
     */
    private static String peerOf(Path sock, String script, Client client) throws Exception {
        Process server = new ProcessBuilder("/usr/bin/python3", "-c", script, sock.toString()).start();
        try {
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream()));
            assertThat(lines.readLine()).isEqualTo("ready");
            PackagedCli.Result r = client.start();
            assertThat(r.status()).as(r.err()).isZero();
            String peer = lines.readLine();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return peer;
        } finally {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Receives one datagram on {@code sock}, open to every user, and prints its sender's "uid/gid" (SCM_CREDENTIALS). */
    private static final String DATAGRAM_SERVER = """
            import os, socket, struct, sys
            path = sys.argv[1]
            if os.path.exists(path):
                os.unlink(path)
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            srv.bind(path)
            os.chmod(path, 0o777)
            srv.settimeout(30)  # no client within 30 s: the server ends, and the test reads no peer
            print("ready", flush=True)
            msg, anc, flags, addr = srv.recvmsg(16, socket.CMSG_SPACE(12))
            pid, uid, gid = struct.unpack("3i", anc[0][2][:12])
            print("%d/%d" % (uid, gid), flush=True)
            """;

    /**
     * A datagram sent with an address is sent by seccheck, and its receiver reads the sender's
     * real ids: those of the program, which the thread takes for a send only.
     */
    @Test
    void aDatagramsReceiverSeesTheProgramsRealIds() throws Exception {
        Path sock = tmp.resolve("dgram.sock");
        String send = "import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'x', '" + sock + "')";
        assertThat(peerOf(sock, DATAGRAM_SERVER, () -> run(false, python(send, asNobody())))).isEqualTo("65534/65534");
        assertThat(peerOf(sock, DATAGRAM_SERVER, () -> run(true, python(send, asNobody())))).isEqualTo("65534/65534");
    }

    /**
     * uid 65534, root in a user namespace of its own ({@code unshare -Ur}), gives a file of its own
     * a capability (a v2 {@code security.capability}: CAP_DAC_READ_SEARCH, effective). Natively the
     * kernel stores it as a v3 capability of that namespace's root, which counts for nothing outside
     * it. Under a policy that makes seccheck, as root, set extended attributes for the program, the
     * call kept the namespace's CAP_SETFCAP in seccheck's namespace and stored the v2 one as asked:
     * run by uid 65534 after the run, the file read root's files. Now the call is made with no
     * capability, and refused (EPERM), stricter than natively.
     */
    @Test
    void aCapabilityAProgramGivesAFileInItsOwnUserNamespaceNeverHoldsOutsideIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("caps"));
        Files.setOwner(dir, tmp.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
        Path config = Files.writeString(tmp.resolve("keys.json"), Policies.KEYS);
        String give = """
                import os, struct, sys
                f = sys.argv[1]
                open(f, "w").close()
                v2 = struct.pack("<5I", 0x02000001, 1 << 2, 0, 0, 0)  # VFS_CAP_REVISION_2 | effective; CAP_DAC_READ_SEARCH
                try:
                    os.setxattr(f, "security.capability", v2)
                    print("set")
                except OSError as e:
                    print(os.strerror(e.errno))
                """;
        String size = """
                import os, sys
                try:
                    print(len(os.getxattr(sys.argv[1], "security.capability")), "bytes")
                except OSError as e:
                    print(os.strerror(e.errno))
                """;
        for (boolean supervised : new boolean[] {false, true}) {
            Path f = dir.resolve(supervised ? "under" : "native");
            List<String> cmd = new ArrayList<>(PackagedCli.nobody());
            cmd.addAll(List.of("unshare", "-Ur", "/usr/bin/python3", "-c", give, f.toString()));
            PackagedCli.Result r = run(supervised, config, cmd);
            assertThat(r.status()).as(r.err()).isZero();
            String stored = run(false, List.of("/usr/bin/python3", "-c", size, f.toString())).out();
            if (!supervised) {
                assertThat(r.out()).isEqualTo("set\n");
                assertThat(stored).as("natively a v3 capability, of the namespace's root").isEqualTo("24 bytes\n");
            } else {
                assertThat(r.out()).as(r.err()).isEqualTo("Operation not permitted\n");
                assertThat(stored).as("no capability for every namespace").isNotEqualTo("20 bytes\n")
                        .isEqualTo("No data available\n");
            }
        }
    }

    @Test
    void aRootProgramWithoutDacOverrideCannotOpenThroughSeccheckWhatItCannotNatively() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "hunter2\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setOwner(secret, tmp.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
        List<String> fullCaps = List.of("cat", secret.toString());
        List<String> fewer = List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "cat", secret.toString());
        assertThat(run(false, fullCaps).out()).isEqualTo("hunter2\n");
        assertThat(run(false, fewer).err()).contains("Permission denied");
        assertThat(run(true, fullCaps).out()).isEqualTo("hunter2\n");
        PackagedCli.Result under = run(true, fewer);
        assertThat(under.out()).as(under.err()).doesNotContain("hunter2");
        assertThat(under.err()).as("the kernel's answer, as natively")
                .contains("openat(AT_FDCWD, \"" + secret + "\", O_RDONLY) = -1 EACCES (Permission denied)");
    }
}
