package dev.seccheck.bench;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.sink.RemoteConfig;
import dev.seccheck.remote.sink.RemoteSink;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import dev.seccheck.sink.OnDrop;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Messages per second of a typical Open message with context data through the remote sink,
 * against a raw send loop of the same pre-built packet over the same socket type (the limit),
 * with a reader thread draining the server side.
 */
public class RemoteSinkBenchmark extends ThroughputBenchmark {

    /** What writes the packets. */
    public enum Impl {
        /** RemoteSink.write: serialize into the thread's packet buffer and sendmsg. */
        REMOTE_SINK,
        /** sendmsg of an already serialized packet in native memory: the socket's limit. */
        RAW_SEND
    }

    @Param
    Impl impl;

    static final Open OPEN = Open.newBuilder()
            .setContextData(ContextData.newBuilder().setTimeNs(1_700_000_000_000_000_000L).setThreadId(4242)
                    .setThreadGroupId(4242).setContainerId("bench").setProcessName("cat").setCwd("/home/user")
                    .setCredentials(Credentials.newBuilder().setRealUid(1000).setEffectiveUid(1000)))
            .setFd(-100).setPathname("/etc/hostname").setFlags(0x80000)
            .setExit(Exit.newBuilder().setResult(3))
            .build();

    /** {@link #OPEN} as one wire packet, header (nothing dropped) and payload, as the sink sends it. */
    static byte[] openPacket() {
        byte[] payload = OPEN.toByteArray();
        byte[] packet = new byte[WireHeader.SIZE + payload.length];
        System.arraycopy(WireHeader.encode(MessageType.MESSAGE_SYSCALL_OPEN_VALUE, 0), 0, packet, 0, WireHeader.SIZE);
        System.arraycopy(payload, 0, packet, WireHeader.SIZE, payload.length);
        return packet;
    }

    Path dir;
    UnixSeqpacket listener;
    UnixSeqpacket client;
    UnixSeqpacket server;
    Thread reader;
    volatile boolean running;
    RemoteSink sink;
    MemorySegment packet;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "scb");
        Path path = dir.resolve("s");
        listener = UnixSeqpacket.listen(path, 4);
        client = UnixSeqpacket.connect(path);
        server = listener.accept();
        running = true;
        reader = Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[1 << 16];
            try {
                while (running && server.receive(buf) >= 0) {
                    // drain
                }
            } catch (Exception e) {
                // closed at teardown
            }
        });
        // Waits out a full buffer rather than dropping, so both sides count delivered packets.
        sink = new RemoteSink(new RemoteConfig(path, Integer.MAX_VALUE, Duration.ofNanos(1000), Duration.ofNanos(1000),
                OnDrop.COUNT), client);
        byte[] bytes = openPacket();
        packet = Arena.ofAuto().allocate(bytes.length, 8);
        MemorySegment.copy(bytes, 0, packet, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        if (Protocol.VERSION != 1) {
            throw new IllegalStateException("benchmark written for protocol version 1");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        running = false;
        client.close();
        reader.join();
        server.close();
        listener.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
        if (sink.status().dropped() != 0) {
            throw new IllegalStateException("the sink dropped " + sink.status().dropped() + " packets");
        }
    }

    @Benchmark
    public boolean send() throws Exception {
        if (impl == Impl.REMOTE_SINK) {
            return sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
        }
        while (client.send(packet) == UnixSeqpacket.WOULD_BLOCK) {
            java.util.concurrent.locks.LockSupport.parkNanos(1000);
        }
        return true;
    }
}
