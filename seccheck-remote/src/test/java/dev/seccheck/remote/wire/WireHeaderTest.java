package dev.seccheck.remote.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireHeaderTest {

    @Test
    void headerBytesAreLittleEndianSizeTypeDropped() throws Exception {
        byte[] b = WireHeader.encode(7, 0x01020304L);
        assertThat(b).containsExactly(8, 0, 7, 0, 4, 3, 2, 1);
        assertThat(WireHeader.decode(b, 8)).isEqualTo(new WireHeader(8, 7, 0x01020304L));
    }

    @Test
    void droppedWrapsAtTwoToThe32() throws Exception {
        byte[] b = WireHeader.encode(6, (1L << 32) + 5);
        assertThat(WireHeader.decode(b, 8).droppedCount()).isEqualTo(5);
        assertThat(WireHeader.decode(WireHeader.encode(6, 0xffffffffL), 8).droppedCount()).isEqualTo(0xffffffffL);
    }

    @Test
    void longerHeaderFromNewerPeerIsHonoured() throws Exception {
        byte[] b = {12, 0, 7, 0, 1, 0, 0, 0, 9, 9, 9, 9, 42};
        assertThat(WireHeader.decode(b, b.length)).isEqualTo(new WireHeader(12, 7, 1));
    }

    @Test
    void badHeadersAreClearErrors() {
        assertThatThrownBy(() -> WireHeader.decode(new byte[] {8, 0, 7}, 3))
                .hasMessage("packet of 3 bytes is shorter than the 8-byte header");
        assertThatThrownBy(() -> WireHeader.decode(new byte[] {40, 0, 7, 0, 0, 0, 0, 0}, 8))
                .hasMessage("header_size 40 outside 8..8 (packet length)");
        assertThatThrownBy(() -> WireHeader.decode(new byte[] {2, 0, 7, 0, 0, 0, 0, 0}, 8))
                .hasMessage("header_size 2 outside 8..8 (packet length)");
    }

    @Test
    void writingIntoAnArrayGivesTheEncodedBytes() {
        byte[] packet = new byte[12];
        java.util.Arrays.fill(packet, (byte) 0x77);
        WireHeader.write(packet, 0x1234, 0xfffffffeL);
        assertThat(java.util.Arrays.copyOf(packet, 8)).containsExactly(WireHeader.encode(0x1234, 0xfffffffeL));
        assertThat(packet[8]).isEqualTo((byte) 0x77);
    }
}
