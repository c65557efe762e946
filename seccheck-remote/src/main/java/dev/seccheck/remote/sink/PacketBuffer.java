package dev.seccheck.remote.sink;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.seccheck.linux.Poll;
import dev.seccheck.remote.wire.WireHeader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * PacketBuffer is one thread's native packet buffer for the remote sink: header at 0, payload
 * serialized right after it, grown (never shrunk) to the largest packet seen; plus the thread's
 * poll structure for waiting on a full socket.
 */
final class PacketBuffer {
    final Poll poll = new Poll();
    private MemorySegment buffer;
    private ByteBuffer view;

    PacketBuffer(int capacity) {
        allocate(capacity);
    }

    private void allocate(int capacity) {
        buffer = Arena.ofAuto().allocate(capacity, 8);
        view = buffer.asByteBuffer();
    }

    /** Writes the header and {@code msg} (of {@code size} bytes serialized); returns the packet. */
    MemorySegment fill(int type, long dropped, Message msg, int size) {
        int total = WireHeader.SIZE + size;
        if (total > buffer.byteSize()) {
            allocate(Math.max(total, (int) buffer.byteSize() * 2));
        }
        WireHeader.write(buffer, type, dropped);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(view.clear().position(WireHeader.SIZE).limit(total));
            msg.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("serializing " + msg.getDescriptorForType().getName()
                    + " into a buffer of its own size failed", e);
        }
        return buffer.asSlice(0, total);
    }
}
