package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netlink requests a program sends under seccheck are served as the program's. The kernel serves
 * a netlink message in the sender's context: the fds it names (IFLA_NET_NS_FD, a BPF program's) are
 * looked up in the sender's fd table. Where seccheck sent messages that carry an address (the
 * default session, as iproute2 sends every request), {@code ip link set DEV netns FILE} failed with
 * EINVAL: the fd was looked for among seccheck's. The script moves a veth into a network
 * namespace another process holds, all inside a network namespace of its own, natively and under
 * seccheck; its lines must be the same. Needs root.
 */
class NetlinkRequestsTest {

    private static final String SCRIPT = """
            try() { "$@" 2>&1; echo "rc=$?"; }
            ip link add a0 type veth peer name a1 || exit 3
            unshare -n sleep 30 &
            held=$!
            sleep 0.3
            try ip link set a1 netns /proc/$held/ns/net
            try nsenter -t $held -n ip -o link show a1
            try ip -o link show a1
            kill $held
            """;

    @TempDir
    Path tmp;

    @BeforeEach
    void root() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, for the namespaces
    }

    private String run(boolean underSeccheck) throws Exception {
        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, List.of("unshare", "-n", "sh", "-c", SCRIPT));
        // The interface's index and MAC address differ from run to run.
        return r.out().replaceAll("link/ether \\S+ brd \\S+", "link/ether MAC").replaceAll("(?m)^\\d+: ", "N: ");
    }

    @Test
    void aDeviceMovesIntoTheNamespaceTheProgramNamesByItsFd() throws Exception {
        String natively = run(false);
        assertThat(natively).startsWith("rc=0\nN: a1@").contains("Device \"a1\" does not exist.\nrc=1\n");
        assertThat(run(true)).isEqualTo(natively);
    }
}
