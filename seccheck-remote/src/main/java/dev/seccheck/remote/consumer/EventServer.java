package dev.seccheck.remote.consumer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.wire.Acceptor;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * EventServer listens on a socket path for sandboxes (one connection each), handshakes with
 * them, and hands every decoded message to an {@link EventHandler}. The peer is untrusted:
 * packets are read into a bounded buffer, and truncated, oversized, malformed and unknown
 * packets are counted and skipped without affecting the connection or any other.
 *
 * <pre>{@code
 * try (EventServer server = EventServer.start(Path.of("/tmp/gvisor_events.sock"), handler)) {
 *     server.awaitClose();
 * }
 * }</pre>
 */
public final class EventServer implements AutoCloseable {
    /** The largest packet accepted; longer ones are counted as malformed and skipped. */
    public static final int MAX_PACKET = 1 << 20;

    private final EventHandler handler;
    private final int maxPacket;
    private Acceptor acceptor;

    private EventServer(EventHandler handler, int maxPacket) {
        this.maxPacket = maxPacket;
        this.handler = handler;
    }

    /** Creates the socket file at {@code endpoint} and starts accepting. */
    public static EventServer start(Path endpoint, EventHandler handler) throws LinuxException {
        return start(endpoint, handler, MAX_PACKET);
    }

    /** Like {@link #start(Path, EventHandler)} with a smaller packet limit, e.g. to save memory. */
    public static EventServer start(Path endpoint, EventHandler handler, int maxPacket) throws LinuxException {
        if (maxPacket < WireHeader.SIZE || maxPacket > MAX_PACKET) {
            throw new IllegalArgumentException("packet limit " + maxPacket + " outside " + WireHeader.SIZE + ".." + MAX_PACKET);
        }
        EventServer s = new EventServer(handler, maxPacket);
        s.acceptor = Acceptor.start(endpoint, "seccheck-client-", s::serve);
        return s;
    }

    /** Returns the socket path. */
    public Path endpoint() {
        return acceptor.endpoint();
    }

    /** Waits until {@link #close} was called (from another thread or a shutdown hook). */
    public void awaitClose() throws InterruptedException {
        acceptor.awaitClose();
    }

    /**
     * Stops accepting, disconnects every sandbox (each gets its {@link EventHandler#onDisconnect}),
     * waits for the readers and removes the socket file.
     */
    @Override
    public void close() {
        acceptor.close();
    }

    private void serve(UnixSeqpacket socket, int id) {
        Connection c;
        try {
            int version = Protocol.serverHandshake(socket);
            PeerCredentials peer = socket.peerCredentials();
            c = new Connection(id, version, peer);
        } catch (LinuxException | MalformedPacketException e) {
            handler.onRefused(id, e.getMessage());
            return;
        }
        handler.onConnect(c);
        try {
            read(socket, c);
        } finally {
            handler.onDisconnect(c);
        }
    }

    private void read(UnixSeqpacket socket, Connection c) {
        byte[] buf = new byte[maxPacket];
        while (true) {
            int n;
            try {
                n = socket.receive(buf);
            } catch (LinuxException e) {
                return;
            }
            if (n == UnixSeqpacket.EOF || n == UnixSeqpacket.WOULD_BLOCK) {
                return;
            }
            if (n > buf.length) {
                c.countMalformed();
                handler.onMalformed(c, "packet of " + n + " bytes exceeds the " + buf.length + "-byte limit");
                continue;
            }
            dispatch(c, buf, n);
        }
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
