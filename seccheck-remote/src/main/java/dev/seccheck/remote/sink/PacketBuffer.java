package dev.seccheck.remote.sink;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.seccheck.linux.Poll;
import dev.seccheck.remote.wire.WireHeader;
import java.io.IOException;

/**
 * PacketBuffer is one thread's packet buffer for the remote sink: header at 0, payload serialized
 * right after it, grown (never shrunk) to the largest packet seen; plus the thread's poll
 * structure for waiting on a full socket.
 *
 * <p>A heap array rather than native memory: protobuf's encoder over a direct buffer allocated an
 * encoder, a duplicate of the buffer and a slice per packet (over 200 bytes a point, measured
 * with JFR); over an array it allocates its encoder alone, and sendmsg copies the packet into
 * the socket's native buffer once, which costs less than the garbage did.
 */
final class PacketBuffer {
    final Poll poll = new Poll();
    private byte[] buffer;

    PacketBuffer(int capacity) {
        buffer = new byte[capacity];
    }

    /** Writes the header and {@code msg} (of {@code size} bytes serialized); returns the packet's length. */
    int fill(int type, long dropped, Message msg, int size) {
        int total = WireHeader.SIZE + size;
        if (total > buffer.length) {
            buffer = new byte[Math.max(total, buffer.length * 2)];
        }
        WireHeader.write(buffer, type, dropped);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(buffer, WireHeader.SIZE, size);
            msg.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException | IllegalStateException e) {
            throw new IllegalStateException("serializing " + msg.getDescriptorForType().getName()
                    + " into a buffer of its own size failed", e);
        }
        return total;
    }

    /** The array the last {@link #fill} wrote its packet to, from index 0. */
    byte[] bytes() {
        return buffer;
    }
}
