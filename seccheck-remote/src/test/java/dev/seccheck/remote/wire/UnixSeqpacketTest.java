package dev.seccheck.remote.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.Sockets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UnixSeqpacketTest {

    @Test
    void packetsKeepBoundariesAndTruncationIsReported() throws Exception {
        Path path = Sockets.tempPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4);
                UnixSeqpacket client = UnixSeqpacket.connect(path);
                UnixSeqpacket conn = server.accept()) {
            client.send(new byte[] {1, 2, 3});
            client.send(new byte[0]);
            client.send(new byte[100]);
            byte[] buf = new byte[10];
            assertThat(conn.receive(buf)).isEqualTo(3);
            assertThat(buf[2]).isEqualTo((byte) 3);
            assertThat(conn.receive(buf)).isZero();
            assertThat(conn.receive(buf)).isEqualTo(100);
            conn.nonBlocking(true);
            assertThat(conn.receive(buf)).isEqualTo(UnixSeqpacket.WOULD_BLOCK);
            PeerCredentials cred = conn.peerCredentials();
            assertThat(cred.pid()).isEqualTo((int) ProcessHandle.current().pid());
            client.close();
            assertThat(conn.receive(buf)).isEqualTo(UnixSeqpacket.EOF);
        }
    }

    @Test
    void errorsNameCallPathAndErrno() throws Exception {
        Path missing = Sockets.tempPath("missing");
        assertThatThrownBy(() -> UnixSeqpacket.connect(missing))
                .isInstanceOf(LinuxException.class)
                .hasMessage("connect(" + missing + "): ENOENT (No such file or directory)");
        Path longPath = Path.of("/tmp/" + "x".repeat(120));
        assertThatThrownBy(() -> UnixSeqpacket.listen(longPath, 1))
                .hasMessageContaining("at most 107").hasMessageContaining("ENAMETOOLONG");
    }

    @Test
    void sendToVanishedPeerIsAnErrorNotASignal() throws Exception {
        Path path = Sockets.tempPath("s");
        try (UnixSeqpacket server = UnixSeqpacket.listen(path, 4); UnixSeqpacket client = UnixSeqpacket.connect(path)) {
            server.accept().close();
            assertThatThrownBy(() -> client.send(new byte[] {1})).isInstanceOf(LinuxException.class)
                    .hasMessageContaining("EPIPE");
        }
    }
}
