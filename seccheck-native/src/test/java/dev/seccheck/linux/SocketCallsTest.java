package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import org.junit.jupiter.api.Test;

/**
 * SocketCalls' options read back what the kernel keeps for a socket: its family and type as ints,
 * and its cookie, a 64-bit number no other socket has, which a restarted call compares.
 */
class SocketCallsTest {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;

    @Test
    void optionsAndCookiesAreTheSockets() {
        int a = (int) Direct.call(Sysno.SOCKET, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
        int b = (int) Direct.call(Sysno.SOCKET, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
        assertThat(a).isNotNegative();
        assertThat(b).isNotNegative();
        try {
            assertThat(SocketCalls.socketOption(a, SocketCalls.SO_DOMAIN)).isEqualTo(AF_UNIX);
            assertThat(SocketCalls.socketOption(b, SocketCalls.SO_TYPE)).isEqualTo(SOCK_DGRAM);
            long cookie = SocketCalls.cookie(a);
            assertThat(cookie).as("a cookie").isPositive();
            assertThat(SocketCalls.cookie(a)).as("the same socket's again").isEqualTo(cookie);
            assertThat(SocketCalls.cookie(b)).as("another socket's").isPositive().isNotEqualTo(cookie);
            assertThat(SocketCalls.cookie(-1)).as("no socket's").isEqualTo(-Errno.EBADF);
        } finally {
            PathCalls.close(a);
            PathCalls.close(b);
        }
    }
}
