package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.seccheck.proto.common.FdInfo;
import dev.seccheck.proto.common.SocketInfo;
import dev.seccheck.proto.common.SocketIp;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.trace.FaithfulRun.Got;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * ExecveInfo's {@code stdin}, {@code stdout} and {@code stderr} for a program whose standard
 * descriptors are sockets (issue 11), compared whole with what gVisor's sentry fills in
 * ({@code execveFdInfo} and {@code sockAddrToProto}, pkg/sentry/kernel/task_exec.go): the
 * {@code stdio_sockets} C workload runs /bin/true with a unix socketpair and a netlink socket,
 * then with both ends of a TCP connection over 127.0.0.1 and the listener; {@link StdioFds} says
 * what each field means.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StdioSocketsTest {

    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final ByteString LOOPBACK = ByteString.copyFrom(new byte[] {127, 0, 0, 1});
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)\\]");

    private FaithfulRun run;

    @BeforeAll
    void runTheWorkload(@TempDir Path dir) throws Exception {
        run = new FaithfulRun(dir, "stdio_sockets", List.of("sentry/execve"));
        assertThat(run.status).as("the workload's exit status (it says on stderr what went wrong)").isZero();
    }

    private ExecveInfo execOf(String child) {
        List<Got> execs = run.of("sentry/execve", c -> c.getThreadId() == run.id(child));
        assertThat(execs).as("the exec of child %s", child).hasSize(1);
        return (ExecveInfo) execs.getFirst().msg();
    }

    /** The socket's FdInfo as gVisor fills it: the kernel's name, S_IFSOCK|0777, the inode that name gives. */
    private static FdInfo socketFd(FdInfo got, SocketInfo socket) {
        Matcher m = SOCKET.matcher(got.getPath());
        assertThat(m.matches()).as("a socket's path: %s", got.getPath()).isTrue();
        return FdInfo.newBuilder().setPath(got.getPath()).setMode(0140777).setIno(Long.parseLong(m.group(1)))
                .setSocket(socket).build();
    }

    @Test
    void aUnixSocketpairIsTheFamilyAloneOnBothSidesAndANetlinkSocketAnEmptySocketInfo() {
        ExecveInfo e = execOf("unix");
        // gVisor's unix sockets give their family without the path (none here: a socketpair).
        SocketInfo pair = SocketInfo.newBuilder().setFamily(AF_UNIX).setLocal(SocketIp.newBuilder().setFamily(AF_UNIX))
                .setRemote(SocketIp.newBuilder().setFamily(AF_UNIX)).build();
        assertThat(e.getStdin()).isEqualTo(socketFd(e.getStdin(), pair));
        assertThat(e.getStdout()).isEqualTo(socketFd(e.getStdout(), pair));
        assertThat(e.getStdin().getIno()).as("the two ends").isNotEqualTo(e.getStdout().getIno());
        // A family gVisor does not describe: socket is there, empty (no family, no address).
        assertThat(e.getStderr().hasSocket()).as("netlink is a socket").isTrue();
        assertThat(e.getStderr()).isEqualTo(socketFd(e.getStderr(), SocketInfo.getDefaultInstance()));
    }

    @Test
    void tcpSocketsHaveTheirLocalAndPeerAddressesAndAListenerItsOwnAlone() {
        ExecveInfo e = execOf("tcp");
        SocketIp listener = inet(run.id("port"));
        SocketIp client = inet(run.id("client"));
        assertThat(e.getStdin()).as("the client's end").isEqualTo(socketFd(e.getStdin(),
                SocketInfo.newBuilder().setFamily(AF_INET).setLocal(client).setRemote(listener).build()));
        assertThat(e.getStdout()).as("the accepted end").isEqualTo(socketFd(e.getStdout(),
                SocketInfo.newBuilder().setFamily(AF_INET).setLocal(listener).setRemote(client).build()));
        assertThat(e.getStderr()).as("the listener: no peer").isEqualTo(socketFd(e.getStderr(),
                SocketInfo.newBuilder().setFamily(AF_INET).setLocal(listener).build()));
    }

    /** An IPv6 address (no loopback is needed to decode one): its 16 bytes and port, family AF_INET6. */
    @Test
    void anIpv6AddressIsItsSixteenBytesAndItsPort() {
        ByteBuffer sin6 = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder()).putShort((short) 10);
        sin6.order(ByteOrder.BIG_ENDIAN).putShort((short) 8080).putInt(0);
        byte[] ip = new byte[16];
        ip[15] = 1; // ::1
        sin6.put(ip);
        SocketInfo got = StdioFds.socket(new FdPaths.SocketInfo(10, 1, sin6.array(), null));
        int port = ByteBuffer.wrap(new byte[] {0x1f, (byte) 0x90}).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
        assertThat(got).isEqualTo(SocketInfo.newBuilder().setFamily(10)
                .setLocal(SocketIp.newBuilder().setFamily(10).setIp(ByteString.copyFrom(ip)).setPort(port)).build());
    }

    /**
     * 127.0.0.1 and {@code port} as gVisor's SocketIp carries them: the port is sin_port's two
     * bytes (network order) read as a host-order number, as gVisor reads them.
     */
    private static SocketIp inet(int port) {
        byte[] sinPort = ByteBuffer.allocate(2).order(ByteOrder.BIG_ENDIAN).putShort((short) port).array();
        int gvisorPort = ByteBuffer.wrap(sinPort).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
        return SocketIp.newBuilder().setFamily(AF_INET).setIp(LOOPBACK).setPort(gvisorPort).build();
    }
}
