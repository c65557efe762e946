package dev.seccheck.remote.sink;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.remote.wire.WireHeader;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * RemoteSink sends every point to a monitoring server as one SOCK_SEQPACKET packet, header +
 * protobuf payload, exactly as gVisor's remote sink does. It never blocks the checked thread
 * beyond the retry budget and never throws: a full socket is retried {@code retries} times with
 * a doubling backoff, then the point is dropped and counted; any other error (the server went
 * away) drops at once. The dropped count travels in every header and in {@link #status()}.
 *
 * <p>Each thread serializes straight into its own native buffer after the header, so a packet
 * costs one protobuf serialization and one {@code sendmsg}, with no copy in between.
 */
public final class RemoteSink implements Sink {
    private static final int INITIAL_BUFFER = 4096;

    private final RemoteConfig config;
    private final UnixSeqpacket socket;
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadLocal<Packet> packets = ThreadLocal.withInitial(() -> new Packet(INITIAL_BUFFER));

    /** Wraps a connection on which the handshake is done. */
    public RemoteSink(RemoteConfig config, UnixSeqpacket socket) {
        this.config = config;
        this.socket = socket;
    }

    @Override
    public String name() {
        return "remote";
    }

    @Override
    public void containerStart(FieldSet fields, Start msg) {
        write(MessageType.MESSAGE_CONTAINER_START, msg);
    }

    @Override
    public void clone(FieldSet fields, CloneInfo msg) {
        write(MessageType.MESSAGE_SENTRY_CLONE, msg);
    }

    @Override
    public void execve(FieldSet fields, ExecveInfo msg) {
        write(MessageType.MESSAGE_SENTRY_EXEC, msg);
    }

    @Override
    public void exitNotifyParent(FieldSet fields, ExitNotifyParentInfo msg) {
        write(MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT, msg);
    }

    @Override
    public void taskExit(FieldSet fields, TaskExit msg) {
        write(MessageType.MESSAGE_SENTRY_TASK_EXIT, msg);
    }

    @Override
    public void mmap(FieldSet fields, MmapInfo msg) {
        write(MessageType.MESSAGE_SENTRY_MMAP, msg);
    }

    @Override
    public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
        write(type, msg);
    }

    @Override
    public void rawSyscall(Point point, FieldSet fields, Syscall msg) {
        write(MessageType.MESSAGE_SYSCALL_RAW, msg);
    }

    @Override
    public SinkStatus status() {
        return new SinkStatus(dropped.get());
    }

    @Override
    public void stop() {
        socket.close();
    }

    /**
     * Sends one message; returns whether it was sent (false: dropped and counted). Public so
     * benchmarks and replays can drive the sink without a session.
     */
    public boolean write(MessageType type, Message msg) {
        if (socket.isClosed()) {
            dropped.incrementAndGet();
            return false;
        }
        Packet p = packets.get();
        int size = msg.getSerializedSize();
        MemorySegment packet = p.fill(type.getNumber(), dropped.get(), msg, size);
        try {
            long wait = config.backoff().toNanos();
            long max = config.backoffMax().toNanos();
            for (int attempt = 0; ; attempt++) {
                if (socket.send(packet) != UnixSeqpacket.WOULD_BLOCK) {
                    return true;
                }
                if (attempt >= config.retries()) {
                    break;
                }
                LockSupport.parkNanos(wait);
                wait = Math.min(wait * 2, max);
            }
        } catch (LinuxException e) {
            // The server is gone or the socket broke: this and later points are dropped.
        }
        dropped.incrementAndGet();
        return false;
    }

    /** One thread's native packet buffer: header at 0, payload serialized right after it. */
    private static final class Packet {
        MemorySegment buffer;
        ByteBuffer view;

        Packet(int capacity) {
            allocate(capacity);
        }

        private void allocate(int capacity) {
            buffer = Arena.ofAuto().allocate(capacity, 8);
            view = buffer.asByteBuffer();
        }

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
}
