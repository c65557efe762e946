package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UnspecifiedAddressTest {

    /** A sockaddr_in or sockaddr_in6 of {@code ip} and {@code port}, as the kernel takes it. */
    private static byte[] sockaddr(String ip, int port) throws IOException {
        InetAddress a = InetAddress.getByName(ip);
        boolean v6 = a instanceof Inet6Address || ip.contains(":");
        ByteBuffer b = ByteBuffer.allocate(v6 ? 28 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) (v6 ? 10 : 2)).order(ByteOrder.BIG_ENDIAN).putShort((short) port);
        if (v6) {
            b.putInt(0).put(v6Bytes(ip));
        } else {
            b.put(a.getAddress());
        }
        return b.array();
    }

    /** The 16 bytes of an IPv6 literal, IPv4-mapped ones kept as such (InetAddress unmaps them). */
    private static byte[] v6Bytes(String ip) throws IOException {
        byte[] raw = InetAddress.getByName(ip).getAddress();
        if (raw.length == 16) {
            return raw;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    @Test
    void aDefiniteAddressIsReachedAsNamed() throws Exception {
        assertThat(UnspecifiedAddress.reached(sockaddr("127.0.0.1", 80), null)).isNull();
        assertThat(UnspecifiedAddress.reached(sockaddr("10.1.2.3", 80), sockaddr("0.0.0.0", 0))).isNull();
        assertThat(UnspecifiedAddress.reached(sockaddr("::1", 80), null)).isNull();
        assertThat(UnspecifiedAddress.reached(sockaddr("::ffff:10.1.2.3", 80), null)).isNull();
        assertThat(UnspecifiedAddress.reached(new byte[] {1, 0, '/', 'x', 0}, null)).as("AF_UNIX").isNull();
        assertThat(UnspecifiedAddress.reached(new byte[] {2}, null)).as("too short to say").isNull();
    }

    @Test
    void theUnspecifiedAddressIsTheLocalHost() throws Exception {
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), null)).isEqualTo(sockaddr("127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("0.0.0.0", 4000)))
                .isEqualTo(sockaddr("127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("127.0.0.2", 4000)))
                .as("a bound socket reaches its own address").isEqualTo(sockaddr("127.0.0.2", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::", 80), null)).isEqualTo(sockaddr("::1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::", 80), sockaddr("::ffff:0.0.0.0", 0)))
                .isEqualTo(sockaddr("::ffff:127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::ffff:0.0.0.0", 80), null))
                .isEqualTo(sockaddr("::ffff:127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::ffff:0.0.0.0", 80), sockaddr("::ffff:127.0.0.3", 9)))
                .isEqualTo(sockaddr("::ffff:127.0.0.3", 80));
    }

    /** A socket bound to a multicast or the broadcast address has no source: 0.0.0.0 is loopback, not that address. */
    @Test
    void aMulticastOrBroadcastBindIsNoSource() throws Exception {
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("224.0.0.1", 4000)))
                .isEqualTo(sockaddr("127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("239.255.0.9", 4000)))
                .isEqualTo(sockaddr("127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("255.255.255.255", 4000)))
                .isEqualTo(sockaddr("127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::ffff:0.0.0.0", 80), sockaddr("::ffff:224.0.0.1", 9)))
                .isEqualTo(sockaddr("::ffff:127.0.0.1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("223.255.255.254", 4000)))
                .as("the last unicast address below multicast").isEqualTo(sockaddr("223.255.255.254", 80));
    }

    /** A datagram's IP_PKTINFO (or, from IPv6, IPv4-mapped IPV6_PKTINFO) record names its source: the last one counts. */
    @Test
    void aPacketInfoRecordNamesTheSource() throws Exception {
        byte[] control = concat(pktinfo4("127.0.0.9"), pktinfo4("127.0.0.2"));
        byte[] source = UnspecifiedAddress.packetInfoSource(control, false);
        assertThat(source).containsExactly(127, 0, 0, 2);
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("127.0.0.5", 9), source))
                .isEqualTo(sockaddr("127.0.0.2", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::ffff:0.0.0.0", 80), null, source))
                .isEqualTo(sockaddr("::ffff:127.0.0.2", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("::", 80), null, source)).as(":: takes the IPv6 way")
                .isEqualTo(sockaddr("::1", 80));
        assertThat(UnspecifiedAddress.reached(sockaddr("0.0.0.0", 80), sockaddr("127.0.0.5", 9),
                UnspecifiedAddress.packetInfoSource(pktinfo4("0.0.0.0"), false)))
                .as("a record of 0.0.0.0 leaves no source").isEqualTo(sockaddr("127.0.0.1", 80));

        byte[] v6 = pktinfo6("::ffff:127.0.0.3");
        assertThat(UnspecifiedAddress.packetInfoSource(v6, true)).containsExactly(127, 0, 0, 3);
        assertThat(UnspecifiedAddress.packetInfoSource(v6, false)).as("an IPv4 socket reads no IPv6 record").isNull();
        assertThat(UnspecifiedAddress.packetInfoSource(pktinfo6("::1"), true)).as("refused by the kernel").isNull();
        assertThat(UnspecifiedAddress.packetInfoSource(new byte[0], false)).isNull();
    }

    private static byte[] pktinfo4(String ip) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(28).putInt(0).putInt(8).putInt(0).put(InetAddress.getByName(ip).getAddress()).putInt(0);
        return b.array();
    }

    private static byte[] pktinfo6(String ip) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(36).putInt(41).putInt(50).put(v6Bytes(ip)).putInt(0);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * What the kernel does: a UDP socket connected to the unspecified address has the reached one
     * as its peer (getpeername, asked of the kernel by a python3 program: the JDK's channels report
     * the address passed to connect).
     */
    @Test
    void agreesWithTheKernelsPeerAfterAConnect() throws Exception {
        String[][] cases = {{"0.0.0.0", ""}, {"0.0.0.0", "127.0.0.5"}, {"::", ""}, {"::", "::ffff:127.0.0.6"},
            {"::ffff:0.0.0.0", ""}, {"::ffff:0.0.0.0", "::ffff:127.0.0.7"}};
        String program = String.join("\n",
                "import socket, sys",
                "for arg in sys.argv[1:]:",
                "    dest, own = arg.split('|')",
                "    s = socket.socket(socket.AF_INET6 if ':' in dest else socket.AF_INET, socket.SOCK_DGRAM)",
                "    if own: s.bind((own, 0))",
                "    s.connect((dest, 9))",
                "    print(s.getsockname()[0], s.getpeername()[0])",
                "");
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", program));
        for (String[] c : cases) {
            cmd.add(c[0] + "|" + c[1]);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python3 ended").isTrue(); // its few lines fit the pipe
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.exitValue()).as("%s", lines).isZero();
        assertThat(lines).hasSize(cases.length);
        for (int i = 0; i < cases.length; i++) {
            String[] kernel = lines.get(i).split(" ");
            byte[] own = cases[i][1].isEmpty() ? null : sockaddr(kernel[0], 4000);
            byte[] reached = UnspecifiedAddress.reached(sockaddr(cases[i][0], 9), own);
            assertThat(reached).as("%s from %s", cases[i][0], cases[i][1]).isEqualTo(sockaddr(kernel[1], 9));
        }
    }
}
