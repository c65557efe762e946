package dev.seccheck.remote.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.wire.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's limits: the connection limit cuts the silent, the idle timeout too, logs stay short. */
class ServerLimitsTest {
    @TempDir
    Path dir;

    static final class Log implements EventHandler {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void onConnect(Connection c) {
            lines.add(c.id() + " connected");
        }

        @Override
        public void onCut(Connection c, String reason) {
            lines.add(c.id() + " cut: " + reason);
        }

        @Override
        public void onDisconnect(Connection c) {
            lines.add(c.id() + " disconnected: " + c.messages());
        }

        @Override
        public void onRefused(int id, String problem) {
            lines.add(id + " refused: " + problem);
        }

        @Override
        public void onOpen(Event e, Open m) {
            lines.add(e.connection().id() + " " + m.getPathname());
        }
    }

    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            LockSupport.parkNanos(2_000_000);
        }
    }

    static UnixSeqpacket client(Path sock) throws Exception {
        UnixSeqpacket s = UnixSeqpacket.connect(sock);
        Protocol.clientHandshake(s);
        return s;
    }

    @Test
    void atTheLimitTheConnectionSilentLongestMakesRoomForTheNewOne() throws Exception {
        Path sock = dir.resolve("s");
        Log log = new Log();
        try (EventServer _ = EventServer.start(sock, log, ServerLimits.DEFAULT.withMaxConnections(3));
                UnixSeqpacket a = client(sock); UnixSeqpacket b = client(sock); UnixSeqpacket _ = client(sock)) {
            a.send(EventServerTest.open("/a", 0)); // a is now the most recently active
            await(() -> log.lines.contains("1 /a"), "a's message");
            try (UnixSeqpacket d = client(sock)) {
                d.send(EventServerTest.open("/d", 0));
                await(() -> log.lines.contains("4 /d"), "d's message");
                assertThat(log.lines).anyMatch(l -> l.startsWith("2 cut: connection limit 3 reached; silent for "));
                assertThat(b.receive(new byte[16])).as("b was closed").isEqualTo(UnixSeqpacket.EOF);
                a.send(EventServerTest.open("/a2", 0));
                await(() -> log.lines.contains("1 /a2"), "a still served");
            }
        }
        assertThat(log.lines).filteredOn(l -> l.contains(" cut: ")).hasSize(1);
    }

    @Test
    void silentConnectionsAreClosedAfterTheIdleTimeoutWhileActiveOnesStay() throws Exception {
        Path sock = dir.resolve("s");
        Log log = new Log();
        ServerLimits limits = ServerLimits.DEFAULT.withIdleTimeout(Duration.ofMillis(1500));
        try (EventServer _ = EventServer.start(sock, log, limits);
                UnixSeqpacket quiet = client(sock); UnixSeqpacket busy = client(sock)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            int k = 0;
            while (System.nanoTime() < deadline) {
                busy.send(EventServerTest.open("/busy/" + k++, 0));
                LockSupport.parkNanos(100_000_000);
            }
            assertThat(quiet.receive(new byte[16])).isEqualTo(UnixSeqpacket.EOF);
            assertThat(log.lines).anyMatch(l -> l.startsWith("1 cut: silent for ") && l.endsWith("idle timeout 1500 ms"));
            assertThat(log.lines).noneMatch(l -> l.startsWith("2 cut"));
            busy.send(EventServerTest.open("/busy/last", 0));
            await(() -> log.lines.contains("2 /busy/last"), "busy still served");
        }
    }

    @Test
    void aConnectionThatNeverHandshakesIsRefusedAfterTheHandshakeTimeout() throws Exception {
        Path sock = dir.resolve("s");
        Log log = new Log();
        ServerLimits limits = new ServerLimits(8, Duration.ZERO, Duration.ofMillis(500), ServerLimits.MAX_PACKET);
        try (EventServer _ = EventServer.start(sock, log, limits); UnixSeqpacket mute = UnixSeqpacket.connect(sock)) {
            assertThat(mute.receive(new byte[16])).isEqualTo(UnixSeqpacket.EOF);
        }
        assertThat(log.lines).containsExactly("1 refused: no handshake from the client within 500 ms");
    }
}
