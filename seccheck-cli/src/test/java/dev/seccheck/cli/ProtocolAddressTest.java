package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A send whose address is not what its socket's protocol reads: IPv4's UDP takes
 * {@code AF_UNSPEC} as {@code AF_INET}, a packet socket reads every address as a link-layer one,
 * whatever its family says, and a raw socket sends to the port its own header names. Before, the first carried no ip for a rule to decide
 * on, a raw frame whose address claimed AF_NETLINK passed a rule on AF_PACKET (one claiming
 * AF_INET6 was even taken as a short IPv6 address and sent undecided), and a raw UDP datagram
 * named an allowed port while its own header sent it to another. Natively every datagram and
 * frame is sent, so the test cannot pass vacuously.
 */
class ProtocolAddressTest {

    private static final String SENDS = """
            import ctypes, socket, struct, sys
            libc = ctypes.CDLL(None, use_errno=True)
            libc.sendto.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            libc.sendmsg.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
            class iovec(ctypes.Structure):
                _fields_ = [("base", ctypes.c_char_p), ("len", ctypes.c_size_t)]
            class msghdr(ctypes.Structure):
                _fields_ = [("name", ctypes.c_char_p), ("namelen", ctypes.c_uint), ("iov", ctypes.POINTER(iovec)),
                            ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                            ("flags", ctypes.c_int)]
            rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rx.bind(("127.0.0.1", 0))
            rx.settimeout(1)
            port = rx.getsockname()[1]
            tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            def show(name, r):
                if r < 0:
                    print(name, "errno", ctypes.get_errno())
                    return
                try:
                    rx.recv(64)
                    print(name, "received")
                except socket.timeout:
                    print(name, "sent, not received")
            def inet(family):
                return struct.pack("<H", family) + struct.pack(">H", port) + socket.inet_aton("127.0.0.1") + bytes(8)
            show("udp-inet", libc.sendto(tx.fileno(), b"x", 1, 0, inet(socket.AF_INET), 16))
            show("udp-unspec", libc.sendto(tx.fileno(), b"x", 1, 0, inet(0), 16))
            name, iov = inet(0), iovec(b"x", 1)
            show("udp-unspec-msg", libc.sendmsg(tx.fileno(), ctypes.byref(msghdr(name, 16, ctypes.pointer(iov), 1, None, 0, 0)), 0))
            if sys.argv[1] == "root":
                # Frames to lo whose payload is no IP packet: the kernel drops them at once.
                p = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
                lo = socket.if_nametoindex("lo")
                for family in (17, 16, 10):
                    ll = struct.pack("<H", family) + struct.pack(">H", 0x0800) + struct.pack("<iHBB", lo, 0, 0, 6) + bytes(8)
                    r = libc.sendto(p.fileno(), bytes(20), 20, 0, ll, 20)
                    print("packet-as-%d" % family, "errno %d" % ctypes.get_errno() if r < 0 else "sent")
                # A raw UDP datagram whose address names the allowed port 9 and whose header names rx's.
                raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
                header = struct.pack(">HHHH", 4242, port, 9, 0) + b"x"
                named = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 9) + socket.inet_aton("127.0.0.1") + bytes(8)
                show("raw-udp", libc.sendto(raw.fileno(), header, len(header), 0, named, 16))
            """;

    private static final String POLICY = """
            {"name": "net", "points": [{"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "connect_network", "match": {"family": "AF_PACKET"}, "action": "deny", "errno": "EACCES"},
               {"effect": "connect_network", "match": {"ip": "127.0.0.1", "port": 9}, "action": "allow"},
               {"effect": "connect_network", "match": {"family": ["AF_INET", "AF_INET6"]}, "action": "deny",
                "errno": "ENETUNREACH"}]}}]}""";

    @TempDir
    Path tmp;

    /**
     * The frame whose address claims AF_INET6 is refused on the address as named (the last rule,
     * ENETUNREACH) before the one as read (the first, EACCES): both are decided. The packet and raw
     * sockets need CAP_NET_RAW: root, as CI runs the suite.
     */
    @Test
    void aSendIsDecidedOnTheAddressItsProtocolReads() throws Exception {
        boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        Path script = Files.writeString(tmp.resolve("sends.py"), SENDS);
        Path policy = Files.writeString(tmp.resolve("net.json"), POLICY);
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), root ? "root" : "user");

        String natively = PackagedCli.nativeOrUnderSeccheck(tmp, false, cmd).out();
        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, true, cmd, policy);

        assertUdpDecided(natively, r);
        if (root) {
            assertThat(natively).contains("packet-as-17 sent", "packet-as-16 sent", "packet-as-10 sent", "raw-udp received");
            assertThat(r.out()).as(r.err()).contains("packet-as-17 errno 13", "packet-as-16 errno 13", "packet-as-10 errno 101",
                    "raw-udp errno 101").doesNotContain(" sent");
        }
    }

    /** The datagram routes, which need no privilege, with seccheck and the program as uid 65534. */
    @Test
    void aSendIsDecidedOnTheAddressItsProtocolReadsUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Path script = Files.writeString(tmp.resolve("sends.py"), SENDS);
        Path policy = Files.writeString(tmp.resolve("net.json"), POLICY);
        List<String> cmd = List.of("/usr/bin/python3", script.toString(), "user");
        String classpath = PackagedCli.nobodyClasspath();

        String natively = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, cmd).out();
        PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, cmd, policy);

        assertUdpDecided(natively, r);
    }

    /** Natively every datagram arrives; under the policy each is refused, and an alert names the address given. */
    private static void assertUdpDecided(String natively, PackagedCli.Result r) {
        assertThat(natively).contains("udp-inet received", "udp-unspec received", "udp-unspec-msg received");
        assertThat(r.out()).as(r.err()).contains("udp-inet errno 101", "udp-unspec errno 101", "udp-unspec-msg errno 101")
                .doesNotContain("received");
        assertThat(r.err()).contains("\"named_address\":\"family 0\"");
    }
}
