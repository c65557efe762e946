package dev.seccheck.remote.sink;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.proto.common.MessageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Warmup pays, once per JVM and when a remote sink is created, the first-use costs that the first
 * write would otherwise pay inside a checked syscall: the serialization code of every message
 * type, the native buffers, and the linking of the sendmsg and poll downcalls. Measured with
 * {@code RemoteSinkLatency}: each thread's first write took 25-95 ms before (protobuf
 * serialization set-up 50-65 ms, first sendmsg 25-80 ms), which is the "single open of 52-115 ms"
 * seen with the remote sink and never with the null sink.
 *
 * <p>The send goes through a private connected pair on a temporary socket file, not to the
 * server, which must see only real points. It is an optimization: if it cannot run (no writable
 * temporary directory), sinks work the same, only their first writes are slow.
 */
final class Warmup {
    private Warmup() {}

    private static final AtomicBoolean DONE = new AtomicBoolean();

    static void once() {
        if (!DONE.compareAndSet(false, true)) {
            return;
        }
        PacketBuffer buffer = new PacketBuffer(RemoteSink.INITIAL_BUFFER);
        int last = -1;
        for (MessageType t : MessageType.values()) {
            Optional<Parser<? extends Message>> parser = t == MessageType.UNRECOGNIZED ? Optional.empty()
                    : MessageTypes.parser(t);
            if (parser.isPresent()) {
                try {
                    Message m = parser.get().parseFrom(new byte[0]);
                    last = buffer.fill(t.getNumber(), 0, m, m.getSerializedSize());
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError("an empty message did not parse as " + t, e);
                }
            }
        }
        if (last >= 0) {
            sendThroughPrivatePair(buffer, last);
        }
    }

    private static void sendThroughPrivatePair(PacketBuffer buffer, int length) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("seccheck-warmup");
            Path sock = dir.resolve("s");
            try (UnixSeqpacket listener = UnixSeqpacket.listen(sock, 1);
                    UnixSeqpacket client = UnixSeqpacket.connect(sock);
                    UnixSeqpacket server = listener.accept()) {
                client.send(buffer.bytes(), 0, length);
                buffer.poll.poll(client.fd(), Poll.POLLOUT, 0);
                server.receive(new byte[length]);
            } finally {
                Files.deleteIfExists(sock);
            }
        } catch (IOException | RuntimeException e) {
            // Only an optimization (see the class comment): the sink works without it.
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    // Left behind in the temporary directory; harmless.
                }
            }
        }
    }
}
