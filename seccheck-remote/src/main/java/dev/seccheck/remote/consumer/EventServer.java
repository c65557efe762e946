package dev.seccheck.remote.consumer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.WireHeader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * EventServer listens on a socket path for sandboxes (one connection each), handshakes with
 * them, and hands every decoded message to an {@link EventHandler}. The peer is untrusted:
 * truncated, oversized, malformed and unknown packets are counted and skipped without affecting
 * the connection or any other, and {@link ServerLimits} bound the connections held, their
 * silence and the packet size, so memory stays bounded whatever the peers do. One thread serves
 * every connection (see {@code ConnectionLoop} for why). The same server reads from any other
 * {@link EventSource} (a Kafka topic) with {@link #start(EventSource, EventHandler)}: the handler
 * sees the same events either way.
 *
 * <pre>{@code
 * try (EventServer server = EventServer.start(Path.of("/tmp/gvisor_events.sock"), handler)) {
 *     server.awaitClose();
 * }
 * }</pre>
 */
public final class EventServer implements AutoCloseable, EventSource.Packets {
    /** The largest packet accepted; longer ones are counted as malformed and skipped. */
    public static final int MAX_PACKET = ServerLimits.MAX_PACKET;

    private final EventHandler handler;
    private EventSource.Running source;
    private Path endpoint;

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
        s.source = new SocketSource(endpoint, limits).start(s, handler);
        s.endpoint = endpoint;
        return s;
    }

    /** Starts reading the packets of another source, e.g. a Kafka topic, and dispatching them to {@code handler}. */
    public static EventServer start(EventSource source, EventHandler handler) throws IOException {
        EventServer s = new EventServer(handler);
        s.source = source.start(s, handler);
        return s;
    }

    /**
     * Returns the socket path.
     *
     * @throws IllegalStateException if this server reads from another {@link EventSource}
     */
    public Path endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("this server reads from " + source.describe() + ", not a socket");
        }
        return endpoint;
    }

    /** Returns where the packets come from: the socket path or the source's description. */
    public String describe() {
        return source.describe();
    }

    /** Waits until {@link #close} was called (from another thread or a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        source.awaitClose();
    }

    /**
     * Stops accepting, disconnects every sandbox (each gets its {@link EventHandler#onDisconnect}),
     * waits for the loop and removes the socket file.
     */
    @Override
    public void close() {
        source.close();
    }

    /** Counts a malformed packet of {@code c} and reports it to the handler. */
    @Override
    public void malformed(Connection c, String problem) {
        c.countMalformed();
        handler.onMalformed(c, problem);
    }

    /** Decodes one packet and calls the handler; what does not decode is counted and reported. */
    @Override
    public void packet(Connection c, byte[] packet, int length) {
        WireHeader h;
        try {
            h = WireHeader.decode(packet, length);
        } catch (MalformedPacketException e) {
            malformed(c, e.getMessage());
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
            malformed(c, type.name() + " payload of " + (length - h.headerSize()) + " bytes does not decode: "
                    + e.getMessage());
            return;
        }
        c.countMessage(h.droppedCount());
        handler.onEvent(new Event(c, type, h.droppedCount(), msg));
    }
}
