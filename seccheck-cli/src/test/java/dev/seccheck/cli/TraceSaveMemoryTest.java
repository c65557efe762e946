package dev.seccheck.cli;

import static dev.seccheck.cli.ServerMemoryTest.awaitText;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.replay.TraceFile;
import dev.seccheck.remote.wire.Protocol;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code seccheck tracereplay save} with a 32 MiB heap holds 500 idle handshaked connections while
 * an honest sandbox's 10,000 messages are saved whole, and its thread count does not grow with the
 * connections. Before, each connection had a thread and a 1 MiB buffer of its own: 500 of them
 * were 500 threads and 500 MiB of buffers, far past the heap.
 */
class TraceSaveMemoryTest {
    private static final int IDLE = 500;
    private static final int MESSAGES = 10_000;
    /** The saver's own threads: the JVM's (about 20 with the default collector) plus its one loop; not one per connection. */
    private static final int MAX_THREADS = 64;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(90);

    @TempDir
    Path dir;

    @Test
    void fiveHundredIdleConnectionsDoNotStopAnHonestTraceAndCostNoThreads() throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        Path sock = dir.resolve("s");
        Path out = dir.resolve("traces");
        Process save = ServerMemoryTest.cli(dir, "-Xmx32m", List.of("tracereplay", "save", "--endpoint",
                sock.toString(), "--out", out.toString()));
        List<UnixSeqpacket> idle = new ArrayList<>();
        List<byte[]> sent = new ArrayList<>();
        long threadsWithIdle;
        try {
            awaitText(dir.resolve("stderr"), "listening on", save, deadline);
            long threadsAtStart = ServerMemoryTest.status(save.pid(), "Threads");
            for (int i = 0; i < IDLE; i++) {
                UnixSeqpacket s = UnixSeqpacket.connect(sock);
                idle.add(s);
                assertThat(Protocol.clientHandshake(s)).isEqualTo(Protocol.VERSION);
            }
            awaitText(dir.resolve("stderr"), String.format("client-%04d connected", IDLE), save, deadline);
            threadsWithIdle = ServerMemoryTest.status(save.pid(), "Threads");
            assertThat(threadsWithIdle).as("saver threads with %d connections (%d at start)", IDLE, threadsAtStart)
                    .isLessThan(MAX_THREADS);
            try (UnixSeqpacket honest = UnixSeqpacket.connect(sock)) {
                Protocol.clientHandshake(honest);
                for (int k = 0; k < MESSAGES; k++) {
                    byte[] packet = ServerMemoryTest.open("/honest/" + k);
                    sent.add(packet);
                    while (honest.send(packet) == UnixSeqpacket.WOULD_BLOCK) {
                        assertThat(System.nanoTime() - deadline).as("sending message %d", k).isNegative();
                        LockSupport.parkNanos(50_000);
                    }
                }
            }
            awaitText(dir.resolve("stderr"), String.format("client-%04d disconnected: %d messages saved", IDLE + 1,
                    MESSAGES), save, deadline);
            assertThat(ServerMemoryTest.status(save.pid(), "Threads")).as("saver threads after the honest trace")
                    .isLessThan(MAX_THREADS);
        } finally {
            idle.forEach(UnixSeqpacket::close);
            save.destroy();
            assertThat(save.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        TraceFile trace;
        try (InputStream in = Files.newInputStream(out.resolve(String.format("client-%04d", IDLE + 1)))) {
            trace = TraceFile.read(in);
        }
        assertThat(trace.packets()).hasSize(MESSAGES);
        for (int k = 0; k < MESSAGES; k++) {
            assertThat(trace.packets().get(k)).as("message %d", k).isEqualTo(sent.get(k));
        }
        String stderr = Files.readString(dir.resolve("stderr"));
        assertThat(stderr).doesNotContain("OutOfMemoryError").doesNotContain("refused");
        // Every idle connection got its file too, each ended when the saver stopped.
        assertThat(stderr.lines().filter(l -> l.contains(" disconnected: 0 messages saved"))).hasSize(IDLE);
    }
}
