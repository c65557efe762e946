package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.SocketPair;
import org.junit.jupiter.api.Test;

class SocketCallsTest {
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    /** sockaddr_in for 127.0.0.1:8080. */
    private static final byte[] LOOPBACK_8080 = {2, 0, 0x1f, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

    private final Decoding d = new Decoding();

    @Test
    void socketCarriesDomainTypeProtocol() {
        Socket m = d.exit("socket", 3, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 6);
        assertThat(m.getSysno()).isEqualTo(41);
        assertThat(m.getDomain()).isEqualTo(AF_INET);
        assertThat(m.getType()).isEqualTo(SOCK_STREAM | SOCK_CLOEXEC);
        assertThat(m.getProtocol()).isEqualTo(6);
        assertThat(m.getExit().getResult()).isEqualTo(3);
    }

    @Test
    void connectAndBindCarryTheRawSockaddr() {
        long addr = d.mem.alloc(LOOPBACK_8080);
        Connect connect = d.with(Decoding.FD_PATH).enter("connect", 3, addr, 16);
        assertThat(connect.getSysno()).isEqualTo(42);
        assertThat(connect.getFd()).isEqualTo(3);
        assertThat(connect.getFdPath()).isEqualTo("/fd/3");
        assertThat(connect.getAddress().toByteArray()).containsExactly(LOOPBACK_8080);
        Bind bind = d.exit("bind", -98, 4, addr, 16);
        assertThat(bind.getSysno()).isEqualTo(49);
        assertThat(bind.getAddress().toByteArray()).containsExactly(LOOPBACK_8080);
        assertThat(bind.getExit().getErrorno()).isEqualTo(98);
    }

    @Test
    void sockaddrIsCappedAt128BytesAndLeftOutWhenUnreadable() {
        byte[] big = new byte[200];
        big[0] = AF_UNIX;
        long addr = d.mem.alloc(big);
        Connect capped = d.enter("connect", 3, addr, 200);
        assertThat(capped.getAddress().size()).isEqualTo(128);
        Connect unreadable = d.enter("connect", 3, 0xdead_0000L, 16);
        assertThat(unreadable.getAddress().isEmpty()).isTrue();
        assertThat(unreadable.getFd()).isEqualTo(3);
        Connect negativeLength = d.enter("connect", 3, addr, -1);
        assertThat(negativeLength.getAddress().isEmpty()).isTrue();
    }

    @Test
    void acceptReadsThePeerAddressOnlyAfterSuccess() {
        long addr = d.mem.alloc(LOOPBACK_8080);
        long len = d.mem.ints(16);
        Accept enter = d.with(Decoding.FD_PATH).enter("accept", 3, addr, len);
        assertThat(enter.getSysno()).isEqualTo(43);
        assertThat(enter.getAddress().isEmpty()).isTrue();
        assertThat(enter.getFdPath()).isEqualTo("/fd/3");
        Accept exit = d.exit("accept", 5, 3, addr, len);
        assertThat(exit.getAddress().toByteArray()).containsExactly(LOOPBACK_8080);
        assertThat(exit.getFlags()).isZero();
        Accept failed = d.exit("accept", -11, 3, addr, len);
        assertThat(failed.getAddress().isEmpty()).isTrue();
        Accept noAddr = d.exit("accept", 5, 3, 0, 0);
        assertThat(noAddr.getAddress().isEmpty()).isTrue();
    }

    @Test
    void accept4UsesTheLengthTheKernelWroteAndCarriesFlags() {
        long addr = d.mem.alloc(new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
        long len = d.mem.ints(2);
        Accept m = d.exit("accept4", 6, 3, addr, len, SOCK_CLOEXEC);
        assertThat(m.getSysno()).isEqualTo(288);
        assertThat(m.getAddress().toByteArray()).containsExactly(1, 0);
        assertThat(m.getFlags()).isEqualTo(SOCK_CLOEXEC);
    }

    @Test
    void listenCarriesFdAndBacklog() {
        Listen m = d.with(Decoding.FD_PATH).exit("listen", 0, 3, 128);
        assertThat(m.getSysno()).isEqualTo(50);
        assertThat(m.getFd()).isEqualTo(3);
        assertThat(m.getBacklog()).isEqualTo(128);
        assertThat(m.getFdPath()).isEqualTo("/fd/3");
        assertThat(m.getAddress().isEmpty()).isTrue();
    }

    @Test
    void socketpairReadsBothSocketsAfterSuccess() {
        long sv = d.mem.ints(7, 8);
        SocketPair enter = d.enter("socketpair", AF_UNIX, SOCK_STREAM, 0, sv);
        assertThat(enter.getSysno()).isEqualTo(53);
        assertThat(enter.getDomain()).isEqualTo(AF_UNIX);
        assertThat(enter.getSocket1()).isZero();
        SocketPair exit = d.exit("socketpair", 0, AF_UNIX, SOCK_STREAM, 0, sv);
        assertThat(exit.getSocket1()).isEqualTo(7);
        assertThat(exit.getSocket2()).isEqualTo(8);
        SocketPair unreadable = d.exit("socketpair", 0, AF_UNIX, SOCK_STREAM, 0, 0xdead_0000L);
        assertThat(unreadable.getSocket1()).isZero();
        assertThat(unreadable.getType()).isEqualTo(SOCK_STREAM);
    }
}
