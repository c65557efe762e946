package dev.seccheck.remote.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.proto.common.Handshake;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.Sockets;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventServerTest {

    @TempDir
    Path tmp;

    /** Records what the server reports. */
    static final class Recording implements EventHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Connection> closed = new CopyOnWriteArrayList<>();
        final CountDownLatch disconnects;

        Recording(int expected) {
            disconnects = new CountDownLatch(expected);
        }

        @Override
        public void onOpen(Event e, Open m) {
            events.add(e.connection().id() + ":" + m.getPathname());
        }

        @Override
        public void onMalformed(Connection c, String problem) {
            events.add(c.id() + ":malformed:" + problem);
        }

        @Override
        public void onUnknown(Connection c, int type, long dropped, byte[] payload) {
            events.add(c.id() + ":unknown:" + type);
        }

        @Override
        public void onRefused(int id, String problem) {
            events.add(id + ":refused:" + problem);
            disconnects.countDown();
        }

        @Override
        public void onDisconnect(Connection c) {
            closed.add(c);
            disconnects.countDown();
        }
    }

    static UnixSeqpacket client(Path path, int version) throws Exception {
        UnixSeqpacket s = UnixSeqpacket.connect(path);
        s.send(Handshake.newBuilder().setVersion(version).build().toByteArray());
        if (version >= 1) {
            assertThat(Handshake.parseFrom(Sockets.receive(s)).getVersion()).isEqualTo(Protocol.VERSION);
        }
        return s;
    }

    static byte[] open(String path, long dropped) {
        byte[] payload = Open.newBuilder().setPathname(path).build().toByteArray();
        byte[] p = new byte[8 + payload.length];
        System.arraycopy(WireHeader.encode(MessageType.MESSAGE_SYSCALL_OPEN_VALUE, dropped), 0, p, 0, 8);
        System.arraycopy(payload, 0, p, 8, payload.length);
        return p;
    }

    @Test
    void badPacketsAreCountedAndSkippedWhileAnotherConnectionFlows() throws Exception {
        Path path = tmp.resolve("s");
        Recording rec = new Recording(2);
        try (EventServer _ = EventServer.start(path, rec, 64)) {
            try (UnixSeqpacket bad = client(path, 1); UnixSeqpacket good = client(path, 2)) {
                good.send(open("/a", 0));
                bad.send(new byte[] {1, 2, 3}); // shorter than a header
                bad.send(new byte[0]); // zero-length
                bad.send(new byte[] {8, 0, 7, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}); // truncated payload
                bad.send(new byte[] {60, 0, 7, 0, 0, 0, 0, 0, 1}); // header_size past the end
                byte[] unknown = WireHeader.encode(999, 0);
                bad.send(unknown);
                byte[] huge = new byte[100];
                System.arraycopy(WireHeader.encode(7, 0), 0, huge, 0, 8);
                bad.send(huge);
                good.send(open("/b", 3));
                bad.send(open("/still-alive", 0));
            }
            assertThat(rec.disconnects.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.exists(path)).as("socket file removed").isFalse();
        int bad = rec.closed.stream().filter(c -> c.malformed() > 0).findFirst().orElseThrow().id();
        int good = 3 - bad;
        assertThat(rec.events).filteredOn(e -> e.startsWith(good + ":")).containsExactly(good + ":/a", good + ":/b");
        List<String> badEvents = rec.events.stream().filter(e -> e.startsWith(bad + ":"))
                .map(e -> e.contains("does not decode") ? e.substring(0, e.indexOf("does not decode") + 15) : e)
                .toList();
        assertThat(badEvents).containsExactly(
                bad + ":malformed:packet of 3 bytes is shorter than the 8-byte header",
                bad + ":malformed:packet of 0 bytes is shorter than the 8-byte header",
                bad + ":malformed:MESSAGE_SYSCALL_OPEN payload of 2 bytes does not decode",
                bad + ":malformed:header_size 60 outside 8..9 (packet length)",
                bad + ":unknown:999",
                bad + ":malformed:packet of 100 bytes exceeds the 64-byte limit",
                bad + ":/still-alive");
        Connection g = rec.closed.stream().filter(c -> c.id() == good).findFirst().orElseThrow();
        assertThat(g.messages()).isEqualTo(2);
        assertThat(g.lastDropped()).isEqualTo(3);
        assertThat(g.version()).isEqualTo(2);
        Connection b = rec.closed.stream().filter(c -> c.id() == bad).findFirst().orElseThrow();
        assertThat(b.malformed()).isEqualTo(5);
        assertThat(b.unknown()).isEqualTo(1);
        assertThat(b.messages()).isEqualTo(2);
    }

    @Test
    void olderClientIsRefusedAndGarbageHandshakeToo() throws Exception {
        Path path = tmp.resolve("s");
        Recording rec = new Recording(2);
        try (EventServer _ = EventServer.start(path, rec)) {
            UnixSeqpacket old = client(path, 0);
            assertThat(old.receive(new byte[16])).isEqualTo(UnixSeqpacket.EOF);
            old.close();
            UnixSeqpacket garbage = UnixSeqpacket.connect(path);
            garbage.send(new byte[] {(byte) 0xff, (byte) 0xff});
            assertThat(garbage.receive(new byte[16])).isEqualTo(UnixSeqpacket.EOF);
            garbage.close();
            assertThat(rec.disconnects.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(rec.events).anyMatch(e -> e.equals("1:refused:client peer speaks version 0, older than the minimum 1"));
        assertThat(rec.events).anyMatch(e -> e.startsWith("2:refused:client handshake is not a Handshake message"));
    }

    @Test
    void manyConcurrentConnections() throws Exception {
        Path path = tmp.resolve("s");
        int clients = 8;
        int each = 200;
        Recording rec = new Recording(clients);
        try (EventServer _ = EventServer.start(path, rec)) {
            List<Thread> threads = new java.util.ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try (UnixSeqpacket c = client(path, 1)) {
                        for (int k = 0; k < each; k++) {
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            while (c.send(open("/c" + n + "/" + k, 0)) == UnixSeqpacket.WOULD_BLOCK) {
                                assertThat(System.nanoTime() - deadline).as("room in client %d's socket within 20 s", n)
                                        .isNegative();
                                Thread.onSpinWait();
                            }
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                assertThat(t.join(java.time.Duration.ofSeconds(30))).as("client thread %s finished", t).isTrue();
            }
            assertThat(rec.disconnects.await(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(rec.events).hasSize(clients * each);
        assertThat(rec.closed).hasSize(clients).allSatisfy(c -> assertThat(c.messages()).isEqualTo(each));
    }
}
