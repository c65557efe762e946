package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.testing.CWorkloads;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call seccheck performs and reports under another syscall's points (a send with an address
 * under connect's, openat2 under openat's) still fires its own points: its raw enter and exit
 * ({@code syscall/sysno/N}, the registers and the result), around the points it is reported
 * under, nested as strace would show them. A send without an address is not held, and fires its
 * raw points from the tracer. Before, an emulated sendto fired connect's points only, a sendmsg
 * connect's enter and its own exit, and openat2 openat's: a session asking for sendto or openat2
 * saw nothing of them (or half) whenever another asked for connect or openat.
 */
class ReportedCallsTest {
    private static final String[] POINTS = {"syscall/sysno/44/enter", "syscall/sysno/44/exit",
        "syscall/sysno/46/enter", "syscall/sysno/46/exit", "syscall/sysno/307/enter", "syscall/sysno/307/exit",
        "syscall/sysno/437/enter", "syscall/sysno/437/exit", "syscall/connect/enter", "syscall/connect/exit",
        "syscall/openat/enter", "syscall/openat/exit"};

    @TempDir
    Path dir;

    @Test
    void eachCallFiresItsOwnPointsAroundThoseItIsReportedUnder() throws Exception {
        Path file = Files.writeString(dir.resolve("opened"), "x");
        Path out = dir.resolve("out");
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = peer.getLocalPort();
            SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
            r.run("/bin/sh", "-c", "exec '" + CWorkloads.binary("sends") + "' " + port + " '" + file + "' > '" + out + "'");
            Map<String, String> said = Files.readAllLines(out).stream()
                    .collect(Collectors.toMap(l -> l.split(" ")[0], l -> l.split(" ")[1]));
            assertThat(said).containsEntry("sendto", "5").containsEntry("sendmsg", "5").containsEntry("sendmmsg", "2")
                    .containsEntry("connect", "0").containsEntry("send", "5");
            String fd = said.get("openat2");
            List<String> seen = r.sink.got.stream()
                    .filter(g -> !(g.msg() instanceof Open o) || o.getPathname().equals(file.toString()))
                    .map(g -> g.point().substring("syscall/".length()) + result(g.msg()))
                    .toList();
            assertThat(seen).containsExactly(
                    "sysno/44/enter", "connect/enter", "connect/exit=5", "sysno/44/exit=5",
                    "sysno/46/enter", "connect/enter", "connect/exit=5", "sysno/46/exit=5",
                    "sysno/307/enter", "connect/enter", "connect/exit=5", "connect/enter", "connect/exit=5",
                    "sysno/307/exit=2",
                    "connect/enter", "connect/exit=0",
                    "sysno/44/enter", "sysno/44/exit=5",
                    "sysno/437/enter", "openat/enter", "openat/exit=" + fd, "sysno/437/exit=" + fd);
            List<Connect> connects = r.sink.of("syscall/connect/enter").stream().map(Connect.class::cast).toList();
            assertThat(connects).as("each with the address named").hasSize(5)
                    .allMatch(c -> (ByteBuffer.wrap(c.getAddress().toByteArray(), 2, 2).getShort() & 0xffff) == port);
        }
    }

    /** "=result" for an exit point's message, "" for an enter's. */
    private static String result(Message m) {
        FieldDescriptor exit = m.getDescriptorForType().findFieldByName("exit");
        return exit != null && m.hasField(exit) ? "=" + ((Exit) m.getField(exit)).getResult() : "";
    }
}
