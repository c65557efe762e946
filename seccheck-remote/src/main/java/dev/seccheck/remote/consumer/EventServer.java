package dev.seccheck.remote.consumer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.WireHeader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * EventServer listens on a socket path for sandboxes (one connection each), handshakes with
 * them, and hands every decoded message to an {@link EventHandler}. The peer is untrusted:
 * truncated, oversized, malformed and unknown packets are counted and skipped without affecting
 * the connection or any other, and {@link ServerLimits} bound the connections held, their
 * silence and the packet size, so memory stays bounded whatever the peers do. One thread serves
 * every connection (see {@code ConnectionLoop} for why).
 *
 * <pre>{@code
 * try (EventServer server = EventServer.start(Path.of("/tmp/gvisor_events.sock"), handler)) {
 *     server.awaitClose();
 * }
 * }</pre>
 */
public final class EventServer implements AutoCloseable {
    /** The largest packet accepted; longer ones are counted as malformed and skipped. */
    public static final int MAX_PACKET = ServerLimits.MAX_PACKET;

    private final EventHandler handler;
    private ConnectionLoop loop;

    private EventServer(EventHandler handler) {
        this.handler = handler;
    }

    /** Creates the socket file at {@code endpoint} and starts accepting, with {@link ServerLimits#DEFAULT}. */
    public static EventServer start(Path endpoint, EventHandler handler) throws LinuxException {
        return start(endpoint, handler, ServerLimits.DEFAULT);
    }

    /** Like {@link #start(Path, EventHandler)} with a smaller packet limit, e.g. to save memory. */
    public static EventServer start(Path endpoint, EventHandler handler, int maxPacket) throws LinuxException {
        return start(endpoint, handler, ServerLimits.DEFAULT.withMaxPacket(maxPacket));
    }

    /** Creates the socket file at {@code endpoint} and starts accepting within {@code limits}. */
    public static EventServer start(Path endpoint, EventHandler handler, ServerLimits limits) throws LinuxException {
        EventServer s = new EventServer(handler);
        s.loop = new ConnectionLoop(endpoint, limits, handler, s);
        s.loop.start();
        return s;
    }

    /** Returns the socket path. */
    public Path endpoint() {
        return loop.endpoint();
    }

    /** Waits until {@link #close} was called (from another thread or a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        loop.awaitClose();
    }

    /**
     * Stops accepting, disconnects every sandbox (each gets its {@link EventHandler#onDisconnect}),
     * waits for the loop and removes the socket file.
     */
    @Override
    public void close() {
        loop.close();
    }

    /** Decodes one packet and calls the handler. */
    void dispatch(Connection c, byte[] packet, int length) {
        WireHeader h;
        try {
            h = WireHeader.decode(packet, length);
        } catch (MalformedPacketException e) {
            c.countMalformed();
            handler.onMalformed(c, e.getMessage());
            return;
        }
        MessageType type = MessageType.forNumber(h.messageType());
        Optional<Parser<? extends Message>> parser = type == null ? Optional.empty() : MessageTypes.parser(type);
        if (parser.isEmpty()) {
            c.countMessage(h.droppedCount());
            c.countUnknown();
            handler.onUnknown(c, h.messageType(), h.droppedCount(), Arrays.copyOfRange(packet, h.headerSize(), length));
            return;
        }
        Message msg;
        try {
            msg = parser.get().parseFrom(packet, h.headerSize(), length - h.headerSize());
        } catch (InvalidProtocolBufferException e) {
            c.countMalformed();
            handler.onMalformed(c, type.name() + " payload of " + (length - h.headerSize()) + " bytes does not decode: "
                    + e.getMessage());
            return;
        }
        c.countMessage(h.droppedCount());
        handler.onEvent(new Event(c, type, h.droppedCount(), msg));
    }
}
