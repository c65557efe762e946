package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program under the README's guard policy (connects allowed only to loopback) steering what it
 * addresses to 127.0.0.1 out of a real device, or joining multicast groups, whose reports carry
 * the group and source bytes it chose onto the link. In a network namespace of its own with a
 * veth pair (v0, whose peer v1 is captured with a packet socket), device_steering.c tries each
 * route: SO_BINDTODEVICE, SO_BINDTOIFINDEX, an IP_PKTINFO record, IP_UNICAST_IF, a TCP connect
 * on a socket bound to v0, an IP_PKTINFO record on a socket connected to loopback, and the joins
 * (IP_ADD_MEMBERSHIP, IP_ADD_SOURCE_MEMBERSHIP, MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP,
 * IPV6_ADD_MEMBERSHIP). Natively each leaves on v0 (so the test cannot pass for want of a leak);
 * under the policy none does, while a socket bound to "lo" still reaches a local receiver and a
 * datagram to an allowed host on v0's link still goes out. Needs root (the namespace and the
 * capture); the unprivileged twin runs seccheck and the program as uid 65534.
 */
class DeviceSteeringTest {

    /** The README's guard policy's network rules, and a host on v0's link allowed. */
    private static final String POLICY = """
            {"name": "guard", "points": [{"name": "syscall/connect/enter", "context_fields": ["process_name"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "connect_network",
                "match": {"family": ["AF_INET", "AF_INET6"], "ip": ["127.0.0.0/8", "::1/128", "10.9.9.2/32"]},
                "action": "allow"},
               {"effect": "connect_network", "match": {"family": {"not": ["AF_UNIX", "AF_NETLINK"]}},
                "action": "deny", "errno": "ENETUNREACH"}],
              "on_missing": "deny"}}]}""";

    /**
     * Builds v0 (device 128, whose index in network byte order, as the unicast options hold it,
     * is a negative int: red-team round 19's IP_UNICAST_IF to such a device left on it, 100 of 100
     * datagrams) and v1, and runs the command given in the namespace while v1 is captured into
     * FRAMES, until a second after it ends (the last frames a program's end leaves).
     */
    private static final String NAMESPACE = """
            ip link add v0 index 128 type veth peer name v1 || exit 3
            ip link set lo up && ip link set v1 up && ip link set v0 up || exit 3
            ip addr add 10.9.9.1/24 dev v0 && ip route add default via 10.9.9.2 dev v0 || exit 3
            mac=$(ip -o link show v1 | sed -n 's/.*link\\/ether \\([0-9a-f:]*\\).*/\\1/p')
            ip neigh add 10.9.9.2 lladdr "$mac" dev v0 nud permanent || exit 3
            python3 "$CAPTURE" v1 120 > "$FRAMES" 2>&1 &
            capture=$!
            while ! grep -q capturing "$FRAMES"; do sleep 0.1; done
            "$@"
            status=$?
            sleep 1
            kill $capture
            wait
            exit $status
            """;

    /** The routes to loopback that leave on v0 natively, as the capture names their frames. */
    private static final List<String> STEERED = List.of("LEAK-bindtodevice", "LEAK-bindtoifindex", "LEAK-pktinfo",
            "LEAK-unicast-if", "tcp-syn", "LEAK-connected-pktinfo");

    private static final List<String> JOINS = List.of("ip-add-membership", "ip-add-source-membership",
            "mcast-join-group", "mcast-join-source-group", "ipv6-add-membership");

    @TempDir
    Path tmp;

    @Test
    void nothingAddressedToLoopbackNorAnyJoinLeavesOnARealDevice() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, for the namespace and the capture
        steer(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void nothingAddressedToLoopbackNorAnyJoinLeavesOnARealDeviceUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        steer(PackagedCli.nobodyClasspath());
    }

    private void steer(String nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/device_steering.c", tmp);
        Path capture = tmp.resolve("link_capture.py");
        try (InputStream in = DeviceSteeringTest.class.getResourceAsStream("link_capture.py")) {
            Files.copy(in, capture);
        }
        Path policy = Files.writeString(tmp.resolve("policy.json"), POLICY);
        List<String> cmd = List.of(program.toString(), "v0");

        Run natively = run(nobody, false, cmd, policy);
        for (String leak : STEERED) {
            assertThat(natively.frames()).as("natively: " + natively.out()).contains("frame " + leak);
        }
        assertThat(natively.frames()).as("natively").contains("frame igmp", "frame mld ff05::4c45:414b",
                "frame OWN-device");
        for (String join : JOINS) {
            assertThat(natively.out()).as("natively").contains(join + " rc=0 errno=0");
        }

        Run r = run(nobody, true, cmd, policy);
        assertThat(r.frames()).as(r.out() + r.err()).doesNotContain("LEAK-", "tcp-syn", "igmp", "mld",
                "to-loopback").contains("frame OWN-device");
        assertThat(r.out()).as(r.err()).contains("bindtodevice rc=-1 errno=101", "bindtoifindex rc=-1 errno=101",
                "pktinfo rc=-1 errno=101", "unicast-if rc=-1 errno=101", "tcp rc=-1 errno=101",
                "connected-pktinfo rc=-1 errno=101", "connected-bind rc=-1 errno=1",
                "lo-bound rc=0 errno=0", "lo-bound received lo-bound", "own-device rc=0 errno=0");
        for (String join : JOINS) {
            assertThat(r.out()).as(r.err()).contains(join + " rc=-1 errno=101");
        }
    }

    /** What a run printed and what the capture on v1 saw. */
    private record Run(String out, String err, String frames) {}

    /**
     * Runs {@code cmd} natively or under seccheck with {@code policy} (as uid 65534 with the CLI
     * from class path {@code nobody}, or as this JVM's user when null), in a network namespace of
     * its own built by {@link #NAMESPACE}, whose capture it returns.
     */
    private Run run(String nobody, boolean underSeccheck, List<String> cmd, Path policy) throws Exception {
        ProcessBuilder inner = nobody != null
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, nobody, underSeccheck, cmd, policy)
                : PackagedCli.nativeOrUnderSeccheckProcess(tmp, underSeccheck, cmd, policy);
        Path frames = tmp.resolve("frames-" + System.nanoTime());
        List<String> outer = new ArrayList<>(List.of("unshare", "-n", "sh", "-c", NAMESPACE, "sh"));
        outer.addAll(inner.command());
        ProcessBuilder pb = new ProcessBuilder(outer);
        pb.environment().putAll(inner.environment());
        pb.environment().put("CAPTURE", tmp.resolve("link_capture.py").toString());
        pb.environment().put("FRAMES", frames.toString());
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as((underSeccheck ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return new Run(r.out(), r.err(), Files.readString(frames));
    }
}
