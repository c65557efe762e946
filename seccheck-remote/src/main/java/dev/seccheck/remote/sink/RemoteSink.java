package dev.seccheck.remote.sink;

import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.DropNotices;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.SinkStatus;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * RemoteSink sends every point to a monitoring server as one SOCK_SEQPACKET packet, header +
 * protobuf payload, exactly as gVisor's remote sink does. It never blocks the checked thread
 * beyond the retry budget: a full socket is retried {@code retries} times, then the point is
 * dropped and counted; an error about the message itself (EMSGSIZE: larger than the socket
 * takes; ENOBUFS) drops that one point and keeps the link, as gVisor's sink does; any other error
 * (the server went away) drops at once and takes the {@link Link} down, which reconnects in the
 * background while later points are dropped and counted. A program that execs with a megabyte
 * of environment used to take the link down that way, and every point of the next 50 ms with it.
 * The dropped count travels in every header and in {@link #status()}. A dropped point
 * fails the operation it reports when {@code on_drop} says so ({@link OnDrop}); the sink decides
 * nothing on what a point says, so it does not claim to {@linkplain #decides decide}.
 *
 * <p>Between retries the thread waits for the socket to become writable (poll for POLLOUT), at
 * most the backoff, instead of sleeping the whole backoff: a sleeping thread slept on past the
 * moment the server made room, up to a whole 10 ms step each time. Sub-millisecond steps still
 * park, as poll counts milliseconds. First-use costs are paid at creation ({@link Warmup}).
 *
 * <p>Each thread serializes into its own buffer after the header ({@link PacketBuffer}), so a
 * packet costs one protobuf serialization, one copy into native memory and one {@code sendmsg},
 * and allocates only protobuf's encoder.
 */
public final class RemoteSink implements PointSink {
    static final int INITIAL_BUFFER = 4096;
    private static final long MILLI = 1_000_000;
    private static final String GONE = "the server is gone";

    private final RemoteConfig config;
    private final Link link;
    private final AtomicLong dropped = new AtomicLong();
    /**
     * Set when a write used its whole retry budget: later writes try once without waiting until
     * one gets through, so a server that stopped reading costs one budget, not one per point.
     * Plain volatile: a stale read only means one more wait or one less, never a lost count.
     */
    private volatile boolean congested;
    private final DropNotices notices;
    private final ThreadLocal<PacketBuffer> packets = ThreadLocal.withInitial(() -> new PacketBuffer(INITIAL_BUFFER));

    /** Wraps a connection on which the handshake is done; reconnects to {@code config.endpoint()} if it breaks. */
    public RemoteSink(RemoteConfig config, UnixSeqpacket socket) {
        this.config = config;
        this.link = new Link(config.endpoint(), socket);
        this.notices = new DropNotices(config.onDrop(), "sink remote delivers to " + config.endpoint() + " again");
        RefusingServers.deliversTo(config.endpoint()); // no program of this run listens there (the sentry's Listens)
        Warmup.once();
    }

    @Override
    public String name() {
        return "remote";
    }

    /**
     * Sends the point as a packet of {@code type}, the message type {@link PointSink} gives each
     * kind of point; a point that cannot be sent fails its operation unless {@code on_drop} is
     * {@code count}.
     */
    @Override
    public void point(Point point, FieldSet fields, MessageType type, Message msg) throws SecurityCheckException {
        String why = send(type, msg);
        if (why == null) {
            notices.delivered();
        } else {
            notices.dropped(() -> "sink remote cannot deliver to " + config.endpoint() + " (" + why + ")",
                    () -> "the remote sink could not deliver " + point.name() + " to " + config.endpoint());
        }
    }

    @Override
    public SinkStatus status() {
        return new SinkStatus(dropped.get());
    }

    @Override
    public void stop() {
        link.stop();
    }

    /** Returns whether the sink is connected now (false while it reconnects). */
    public boolean connected() {
        return link.socket() != null;
    }

    /** Returns how many times the sink reconnected after losing its server. */
    public long reconnects() {
        return link.reconnects();
    }

    /**
     * Sends one message; returns whether it was sent (false: dropped and counted). Public so
     * benchmarks and replays can drive the sink without a session.
     */
    public boolean write(MessageType type, Message msg) {
        return send(type, msg) == null;
    }

    /** Sends one message; returns null when it was sent, else why it was dropped (and counted). */
    private String send(MessageType type, Message msg) {
        UnixSeqpacket socket = link.socket();
        if (socket == null) {
            dropped.incrementAndGet();
            return GONE;
        }
        PacketBuffer p = packets.get();
        int size = msg.getSerializedSize();
        int length = p.fill(type.getNumber(), dropped.get(), msg, size);
        try {
            long wait = config.backoff().toNanos();
            long max = config.backoffMax().toNanos();
            int retries = congested ? 0 : config.retries();
            for (int attempt = 0; ; attempt++) {
                if (socket.send(p.bytes(), 0, length) != UnixSeqpacket.WOULD_BLOCK) {
                    if (congested) {
                        congested = false;
                    }
                    return null;
                }
                if (attempt >= retries) {
                    congested = true;
                    break;
                }
                if (wait < MILLI) {
                    LockSupport.parkNanos(wait);
                } else {
                    p.poll.poll(socket.fd(), Poll.POLLOUT, (int) Math.min(Integer.MAX_VALUE, wait / MILLI));
                }
                wait = Math.min(wait * 2, max);
            }
            dropped.incrementAndGet();
            return "its socket is full";
        } catch (LinuxException e) {
            dropped.incrementAndGet();
            if (aboutTheMessage(e.errno())) {
                return "a message of " + length + " bytes was refused: " + LinuxException.describe(e.errno());
            }
            link.lost(socket);
            return GONE;
        }
    }

    /**
     * Says whether a send failed because of the message, not the connection: a packet larger than
     * the socket takes (EMSGSIZE), or no memory for it now (ENOBUFS). The next, smaller message
     * goes through the same connection, so reconnecting would only drop the points in between.
     */
    static boolean aboutTheMessage(int errno) {
        return errno == Errno.EMSGSIZE || errno == Errno.ENOBUFS;
    }
}
