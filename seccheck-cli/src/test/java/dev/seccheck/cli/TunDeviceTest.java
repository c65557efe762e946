package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /dev/net/tun is attached to the opener's network namespace, where TUNSETIFF makes its
 * interface. Where seccheck performs the program's opens (the default session), a root program in
 * a network namespace of its own ({@code unshare -n}, as a container has) made its interface in
 * the host's network through seccheck's open, out of the isolation it has natively. The probe
 * makes an interface and asks its own namespace for it; natively and under seccheck it is there.
 */
class TunDeviceTest {

    private static final String PROBE = """
            import fcntl, os, socket, struct
            fd = os.open("/dev/net/tun", os.O_RDWR)
            fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"sctun0", 0x0001 | 0x1000))  # TUNSETIFF: IFF_TUN, IFF_NO_PI
            try:
                fcntl.ioctl(socket.socket(), 0x8933, struct.pack("16s16x", b"sctun0"))  # SIOCGIFINDEX
                print("in its own network")
            except OSError as e:
                print("not in its own network:", e.strerror)
            """;

    @TempDir
    Path tmp;

    private Path probe;

    @BeforeEach
    void asRootWithATunDevice() throws Exception {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root (CAP_NET_ADMIN)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
        probe = Files.writeString(tmp.resolve("tun.py"), PROBE);
    }

    private String run(boolean supervised, boolean ownNetwork) throws Exception {
        PackagedCli.Result r = start(supervised, ownNetwork);
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        return r.out();
    }

    private PackagedCli.Result start(boolean supervised, boolean ownNetwork) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (supervised) {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--"));
        }
        if (ownNetwork) {
            cmd.addAll(List.of("unshare", "--net"));
        }
        cmd.addAll(List.of("/usr/bin/python3", probe.toString()));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
    }

    @Test
    void aProgramInANetworkOfItsOwnGetsItsInterfaceThere() throws Exception {
        PackagedCli.Result natively = start(false, true);
        Assumptions.assumeTrue(natively.status() == 0, "unshare --net: " + natively.err());
        assertThat(natively.out()).isEqualTo("in its own network\n");
        assertThat(run(true, true)).isEqualTo(natively.out());
    }

    @Test
    void aProgramInSecchecksNetworkGetsItsInterfaceThereAsBefore() throws Exception {
        assertThat(run(false, false)).isEqualTo("in its own network\n");
        assertThat(run(true, false)).isEqualTo("in its own network\n");
    }
}
