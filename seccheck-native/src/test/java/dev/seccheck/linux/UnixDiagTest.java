package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** How {@link UnixDiag} reads the kernel's answers, without asking it. */
class UnixDiagTest {

    private static final long SOCKET = 4242;

    /** A reply of type {@code type} for {@code ino}, with {@code attributes} after unix_diag_msg. */
    private static byte[] reply(int type, long ino, byte[] attributes) {
        ByteBuffer b = ByteBuffer.allocate(32 + attributes.length).order(ByteOrder.nativeOrder());
        b.putInt(32 + attributes.length).putShort((short) type).putShort((short) 0).putInt(1).putInt(0);
        b.put((byte) 1).put((byte) 2).put((byte) 7).put((byte) 0).putInt((int) ino).putInt(-1).putInt(-1);
        b.put(attributes);
        return b.array();
    }

    private static byte[] attribute(int type, int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * values.length).order(ByteOrder.nativeOrder());
        b.putShort((short) (4 + 4 * values.length)).putShort((short) type);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    @Test
    void theBoundFileIsTheVfsAttributeInStatsEncoding() throws Exception {
        byte[] name = attribute(0, 0x6d6f682f); // UNIX_DIAG_NAME first: skipped
        byte[] vfs = attribute(1, 123456, (8 << 20) | 1); // inode, kernel dev_t 8:1
        byte[] both = new byte[name.length + vfs.length];
        System.arraycopy(name, 0, both, 0, name.length);
        System.arraycopy(vfs, 0, both, name.length, vfs.length);
        assertThat(UnixDiag.parse(reply(20, SOCKET, both), SOCKET)).containsExactly(0x801, 123456);
    }

    @Test
    void anUnboundSocketHasNoFileAndAnUnknownOneIsSaidSo() throws Exception {
        assertThat(UnixDiag.parse(reply(20, SOCKET, new byte[0]), SOCKET)).isNull();
        ByteBuffer err = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        err.putInt(20).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0).putInt(-2);
        assertThat(UnixDiag.parse(err.array(), SOCKET)).isSameAs(UnixDiag.UNKNOWN);
    }

    @Test
    void aSocketsNamePeerAndQueueAreReadFromTheirAttributes() throws Exception {
        byte[] name = {8, 0, 0, 0, 0, 'a', 'b', 0}; // UNIX_DIAG_NAME "\0ab", padded to 4
        byte[] peer = attribute(2, 0);
        byte[] icons = attribute(3, 77, -2);
        byte[] all = new byte[name.length + peer.length + icons.length];
        System.arraycopy(name, 0, all, 0, name.length);
        System.arraycopy(peer, 0, all, name.length, peer.length);
        System.arraycopy(icons, 0, all, name.length + peer.length, icons.length);
        UnixDiag.Socket s = UnixDiag.parseSocket(reply(20, SOCKET, all), SOCKET);
        assertThat(s.name()).containsExactly(0, 'a', 'b', 0);
        assertThat(s.peer()).as("a connection still in its listener's queue has no inode yet").isZero();
        assertThat(s.icons()).containsExactly(77, 0xfffffffeL);
        assertThat(s.file()).isNull();
    }

    @Test
    void aReplyForAnotherSocketIsAnError() {
        assertThatThrownBy(() -> UnixDiag.parse(reply(20, SOCKET + 1, new byte[0]), SOCKET))
                .isInstanceOf(LinuxException.class);
    }

    @Test
    void kernelDevicesAreEncodedAsStatEncodesThem() {
        assertThat(UnixDiag.statDev((259L << 20) | 3)).isEqualTo(0x10303);
        assertThat(UnixDiag.statDev(300)).as("a minor past 255").isEqualTo((300 & 0xff) | ((300L & ~0xffL) << 12));
    }
}
