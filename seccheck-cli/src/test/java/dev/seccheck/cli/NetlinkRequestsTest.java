package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
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

    /**
     * Under a policy deciding at connect, a netlink call of a task whose descriptor table another
     * task shares is made by seccheck on its copy of the socket: let run as made, a second thread
     * could swap another socket in under the number after the check (EmulationTest). Queries and
     * dumps then work as natively (a dump of the links, getaddrinfo); a request that changes the
     * system, which the kernel would resolve in seccheck's context, is refused with EPERM and a
     * line. A program with one thread makes all three as natively. In a network namespace of the
     * program's own.
     */
    @Test
    void aThreadedProgramsNetlinkQueriesWorkAndItsChangesAreRefusedUnderAPolicy() throws Exception {
        threadedNetlink(null);
    }

    /** The same with seccheck and the program as uid 65534, whose user namespace gives it its network. */
    @Test
    void aThreadedProgramsNetlinkQueriesWorkAndItsChangesAreRefusedUnderAPolicyUnprivileged() throws Exception {
        threadedNetlink(PackagedCli.nobodyClasspath());
    }

    /** Runs netlink_threads.py natively and under the policy, as root, or as uid 65534 with {@code nobodysClasspath}. */
    private void threadedNetlink(String nobodysClasspath) throws Exception {
        Path script = tmp.resolve("netlink_threads.py");
        try (InputStream in = NetlinkRequestsTest.class.getResourceAsStream("netlink_threads.py")) {
            Files.copy(in, script);
        }
        Path policy = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "peers", "points": [{"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/connect/enter", "match": {"port": 9}, "action": "deny"}]}}]}""");
        String nativeLines = "links 1\nresolved 127.0.0.1\nset lo up 0\n";
        for (String mode : List.of("threaded", "single")) {
            List<String> cmd = List.of("unshare", "-rn", "/usr/bin/python3", script.toString(), mode);
            PackagedCli.Result natively = nobodysClasspath == null ? PackagedCli.nativeOrUnderSeccheck(tmp, false, cmd)
                    : PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobodysClasspath, false, cmd);
            assertThat(natively.out()).as(mode + " natively").isEqualTo(nativeLines);
            PackagedCli.Result r = nobodysClasspath == null ? PackagedCli.nativeOrUnderSeccheck(tmp, true, cmd, policy)
                    : PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobodysClasspath, true, cmd, policy);
            if (mode.equals("threaded")) {
                assertThat(r.out()).isEqualTo("links 1\nresolved 127.0.0.1\nset lo up errno 1\n");
                assertThat(r.err()).contains("refused sendto from task", "a routing request of type 19",
                        "from a task whose descriptor table another task shares");
            } else {
                assertThat(r.out()).as("one thread").isEqualTo(nativeLines);
            }
        }
    }

    @Test
    void aDeviceMovesIntoTheNamespaceTheProgramNamesByItsFd() throws Exception {
        String natively = run(false);
        assertThat(natively).startsWith("rc=0\nN: a1@").contains("Device \"a1\" does not exist.\nrc=1\n");
        assertThat(run(true)).isEqualTo(natively);
    }
}
