package dev.seccheck.remote.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.abi.Errno;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Handshake;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.Sockets;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteSinkTest {
    @TempDir
    Path tmp;

    private static final RemoteSinkDescriptor DESCRIPTOR = new RemoteSinkDescriptor();
    private static final List<PointReq> NO_POINTS = List.of();
    private static final Open OPEN = Open.newBuilder()
            .setContextData(ContextData.newBuilder().setThreadId(7).setProcessName("cat").setCwd("/"))
            .setFd(-100).setPathname("/etc/hostname").setFlags(0).build();

    static SinkConfig config(String json) throws Exception {
        return JsonSinkConfig.parse(json, "sinks[0].config");
    }

    /** The validated configuration of {@code json}, as a session hands it to setup and create. */
    static RemoteConfig remote(String json) throws Exception {
        return DESCRIPTOR.validate(config(json), NO_POINTS);
    }

    /** The validated configuration of {@code extra} (a JSON object) with {@code endpoint} added. */
    static RemoteConfig remote(Path endpoint, String extra) throws Exception {
        ObjectNode node = (ObjectNode) new ObjectMapper().readTree(extra);
        node.put("endpoint", endpoint.toString());
        return remote(node.toString());
    }

    /** A sink made as a session makes it: setup (connect and handshake), then create. */
    static RemoteSink connect(RemoteConfig cfg) throws Exception {
        return (RemoteSink) DESCRIPTOR.create(cfg, DESCRIPTOR.setup(cfg));
    }

    /** Accepts one connection and answers its handshake with {@code version}. */
    static CompletableFuture<UnixSeqpacket> serve(UnixSeqpacket listener, int version) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                UnixSeqpacket conn = listener.accept();
                byte[] hs = Sockets.receive(conn);
                assertThat(Handshake.parseFrom(hs).getVersion()).isEqualTo(Protocol.VERSION);
                conn.send(Handshake.newBuilder().setVersion(version).build().toByteArray());
                return conn;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** The connection {@link #serve} accepted, within a deadline. */
    static UnixSeqpacket accepted(CompletableFuture<UnixSeqpacket> conn) throws Exception {
        return conn.get(20, TimeUnit.SECONDS);
    }

    @Test
    void sendsHeaderAndPayloadByteForByte() throws Exception {
        withConnectedSink("{}", (sink, server) -> {
            sink.syscall(null, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            byte[] got = Sockets.receive(server);
            byte[] payload = OPEN.toByteArray();
            assertThat(Arrays.copyOf(got, 8)).containsExactly(8, 0, 7, 0, 0, 0, 0, 0);
            assertThat(Arrays.copyOfRange(got, 8, got.length)).isEqualTo(payload);
            return null;
        });
    }

    /** The thread's buffer is reused: a packet larger than it grows it, and a small one after is exactly itself. */
    @Test
    void aLargePacketThenASmallOneAreEachByteForByte() throws Exception {
        Open big = OPEN.toBuilder().setPathname("/" + "p".repeat(10_000)).build();
        withConnectedSink("{}", (sink, server) -> {
            sink.syscall(null, null, MessageType.MESSAGE_SYSCALL_OPEN, big);
            byte[] first = Sockets.receive(server);
            assertThat(Arrays.copyOfRange(first, 8, first.length)).isEqualTo(big.toByteArray());
            sink.syscall(null, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            byte[] second = Sockets.receive(server);
            assertThat(second).hasSize(8 + OPEN.getSerializedSize());
            assertThat(Arrays.copyOfRange(second, 8, second.length)).isEqualTo(OPEN.toByteArray());
            return null;
        });
    }

    @Test
    void newerServerIsAcceptedOlderRefused() throws Exception {
        Path path = tmp.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            RemoteConfig cfg = remote(path, "{}");
            var newer = serve(listener, 2);
            DESCRIPTOR.setup(cfg).close();
            accepted(newer).close();
            var equal = serve(listener, 1);
            DESCRIPTOR.setup(cfg).close();
            accepted(equal).close();
            var older = serve(listener, 0);
            assertThatThrownBy(() -> DESCRIPTOR.setup(cfg)).isInstanceOf(SinkException.class)
                    .hasMessageContaining("server peer speaks version 0, older than the minimum 1");
            accepted(older).close();
        }
    }

    @Test
    void serverDownIsASetupError() throws Exception {
        Path path = tmp.resolve("s");
        assertThatThrownBy(() -> DESCRIPTOR.setup(remote(path, "{}")))
                .isInstanceOf(SinkException.class)
                .hasMessage("remote sink: connect(" + path + "): ENOENT (No such file or directory)");
    }

    @Test
    void configErrorsNameTheKey() throws Exception {
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{}"), NO_POINTS))
                .hasMessage("sinks[0].config.endpoint: is required");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"retries\":1.5}"), NO_POINTS))
                .hasMessage("sinks[0].config.retries: must be a whole number, got 1.5");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config(
                "{\"endpoint\":\"/x\",\"backoff\":\"25us\",\"backoff_max\":\"10us\"}"), NO_POINTS))
                .hasMessage("sinks[0].config.backoff: \"25us\" is longer than backoff_max \"10us\"");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"retries\":-1}"), NO_POINTS))
                .hasMessage("sinks[0].config.retries: must be between 0 and 2147483647, got -1");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"on_drop\":\"block\"}"), NO_POINTS))
                .hasMessage("sinks[0].config.on_drop: must be one of \"count\", \"deny\", \"kill\", got \"block\"");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"on_drop\":true}"), NO_POINTS))
                .hasMessageStartingWith("sinks[0].config.on_drop: ");
        assertThat(RemoteConfig.parse(config("{\"endpoint\":\"/x\"}")).onDrop()).isEqualTo(OnDrop.COUNT);
        assertThat(RemoteConfig.parse(config("{\"endpoint\":\"/x\",\"on_drop\":\"deny\"}")).onDrop())
                .isEqualTo(OnDrop.DENY);
        // Every key gVisor's remote sink reads is taken, so its session files load unchanged.
        DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"retries\":0,\"backoff\":\"1ms\",\"backoff_max\":\"2ms\"}"),
                NO_POINTS);
        RemoteConfig c = RemoteConfig.parse(config("{\"endpoint\":\"/x\",\"retries\":3,\"backoff\":\"1ms\"}"));
        assertThat(c.retries()).isEqualTo(3);
        assertThat(c.backoff()).hasMillis(1);
        assertThat(c.backoffMax()).hasMillis(10);
    }

    /**
     * A misspelt key was ignored, as gVisor ignores unknown keys: {@code "on_dorp": "deny"} left the
     * sink counting the points it could not deliver while the operations they report went ahead.
     */
    @Test
    void anUnknownKeyIsRefused() {
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"on_dorp\":\"deny\"}"), NO_POINTS))
                .isInstanceOf(SinkException.class)
                .hasMessage("sinks[0].config.on_dorp: unknown key (known: endpoint, retries, backoff, backoff_max, on_drop)");
        assertThatThrownBy(() -> DESCRIPTOR.validate(config("{\"endpoint\":\"/x\",\"something_new\":1}"), NO_POINTS))
                .hasMessageStartingWith("sinks[0].config.something_new: unknown key");
    }

    @Test
    void droppedCountedWhenServerStopsReadingWithoutRetries() throws Exception {
        fillAndCount("{\"retries\":0}");
    }

    /**
     * With the socket full, the write that finds no room waits 10, 20, 20, 20, 20, 20 ms (doubling
     * from {@code backoff}, capped at {@code backoff_max}) before it drops: 110 ms. Without the
     * waits it takes microseconds, without the doubling 60 ms, without the cap 630 ms. A stalled
     * server costs that budget once: the drops after it do not wait until a send succeeds again.
     */
    @Test
    void droppedCountedWhenServerStopsReadingWithBackoff() throws Exception {
        long[] dropNanos = fillAndCount("{\"retries\":6,\"backoff\":\"10ms\",\"backoff_max\":\"20ms\"}");
        assertThat(TimeUnit.NANOSECONDS.toMillis(dropNanos[0])).as("time of the first dropped write, ms")
                .isBetween(95L, 500L);
        long[] later = Arrays.copyOfRange(dropNanos, 1, dropNanos.length);
        long median = Arrays.stream(later).sorted().toArray()[later.length / 2];
        assertThat(TimeUnit.NANOSECONDS.toMillis(median)).as("median time of a later dropped write, ms")
                .isLessThan(50L);
    }

    /**
     * Fills the socket, checks the dropped count, and returns how long the first dropped write took
     * followed by how long each of ten more took.
     */
    private long[] fillAndCount(String extra) throws Exception {
        return withConnectedSink(extra, (sink, server) -> {
            int sent = 0;
            long[] dropNanos = new long[11];
            long start = System.nanoTime();
            while (sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN)) {
                sent++;
                start = System.nanoTime();
            }
            dropNanos[0] = System.nanoTime() - start;
            assertThat(sink.status().dropped()).isEqualTo(1);
            for (int i = 1; i <= 10; i++) {
                start = System.nanoTime();
                sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
                dropNanos[i] = System.nanoTime() - start;
            }
            assertThat(sink.status().dropped()).isEqualTo(11);
            // Drain: every packet that went out arrived whole; room again => the next
            // packet carries the dropped count in its header.
            for (int i = 0; i < sent; i++) {
                byte[] p = Sockets.receive(server);
                assertThat(p.length).isEqualTo(8 + OPEN.getSerializedSize());
            }
            assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN)).isTrue();
            byte[] p = Sockets.receive(server);
            assertThat(Arrays.copyOf(p, 8)).containsExactly(8, 0, 7, 0, 11, 0, 0, 0);
            return dropNanos;
        });
    }

    /**
     * on_drop: a point the full socket does not take fails its operation (deny: EPERM; kill: the
     * process), is counted as dropped, and the next point that gets through goes on as usual. The
     * default only counts it, as gVisor does.
     */
    /**
     * A message larger than the socket takes (EMSGSIZE) is about the message, not the server: it
     * is dropped and counted, the link stays up, and the next point arrives carrying the count.
     * Before, the link was taken down and every point until it reconnected was dropped too.
     */
    @Test
    void aMessageTooLargeForTheSocketIsDroppedAloneAndTheLinkStays() throws Exception {
        Open huge = OPEN.toBuilder().setPathname("/" + "p".repeat(4_000_000)).build();
        withConnectedSink("{\"on_drop\":\"deny\"}", (sink, server) -> {
            assertThatThrownBy(() -> sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, huge))
                    .isInstanceOf(SecurityCheckException.class);
            assertThat(sink.status().dropped()).isEqualTo(1);
            assertThat(sink.connected()).as("the link is kept").isTrue();
            sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            assertThat(Arrays.copyOf(Sockets.receive(server), 8)).containsExactly(8, 0, 7, 0, 1, 0, 0, 0);
            assertThat(sink.reconnects()).isZero();
            return null;
        });
    }

    @Test
    void onlyErrorsAboutTheMessageKeepTheLink() {
        assertThat(RemoteSink.aboutTheMessage(Errno.EMSGSIZE)).isTrue();
        assertThat(RemoteSink.aboutTheMessage(Errno.ENOBUFS)).isTrue();
        for (int linkError : new int[] {Errno.EPIPE, Errno.ECONNRESET, Errno.ENOTCONN, Errno.EBADF}) {
            assertThat(RemoteSink.aboutTheMessage(linkError)).as(Errno.name(linkError)).isFalse();
        }
    }

    @Test
    void aPointThatCannotBeDeliveredFailsItsOperationWhenOnDropSaysSo() throws Exception {
        for (OnDrop onDrop : OnDrop.values()) {
            Files.deleteIfExists(tmp.resolve("s")); // the previous round's listener's name
            withConnectedSink("{\"retries\":0,\"on_drop\":\"" + onDrop.key() + "\"}", (sink, server) -> {
                int sent = 0;
                while (sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN)) {
                    sent++;
                }
                assertThat(sink.status().dropped()).isEqualTo(1);
                if (onDrop == OnDrop.COUNT) {
                    sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
                } else {
                    assertThatThrownBy(() -> sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN))
                            .isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                                assertThat(e.errno()).isEqualTo(Errno.EPERM);
                                assertThat(e.killTask()).isEqualTo(onDrop == OnDrop.KILL);
                                assertThat(e).hasMessageContaining("sentry/execve");
                            });
                }
                assertThat(sink.status().dropped()).isEqualTo(2);
                for (int i = 0; i < sent; i++) {
                    Sockets.receive(server);
                }
                sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
                assertThat(Arrays.copyOf(Sockets.receive(server), 8)).containsExactly(8, 0, 7, 0, 2, 0, 0, 0);
                server.close();
                if (onDrop == OnDrop.COUNT) {
                    sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
                } else {
                    assertThatThrownBy(() -> sink.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN))
                            .isInstanceOf(SecurityCheckException.class);
                }
                assertThat(sink.status().dropped()).isEqualTo(3);
                return null;
            });
        }
    }

    @Test
    void survivesTheServerGoingAway() throws Exception {
        withConnectedSink("{\"retries\":2}", (sink, server) -> {
            assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, OPEN)).isTrue();
            server.close();
            for (int i = 0; i < 5; i++) {
                sink.syscall(null, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            }
            assertThat(sink.status().dropped()).isEqualTo(5);
            sink.stop();
            sink.syscall(null, null, MessageType.MESSAGE_SYSCALL_OPEN, OPEN);
            assertThat(sink.status().dropped()).isEqualTo(6);
            return null;
        });
    }

    /** A test body given a sink and the server's end of its connection. */
    private interface SinkAndServer<T> {
        T run(RemoteSink sink, UnixSeqpacket server) throws Exception;
    }

    /**
     * Runs {@code body} with a sink (configured by {@code extra}) connected to a version-1 server
     * listening in the test's directory, and that server's end of the connection; stops the sink
     * after (stopping twice is harmless).
     */
    private <T> T withConnectedSink(String extra, SinkAndServer<T> body) throws Exception {
        Path path = tmp.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 4)) {
            var conn = serve(listener, 1);
            RemoteSink sink = connect(remote(path, extra));
            try (UnixSeqpacket server = accepted(conn)) {
                return body.run(sink, server);
            } finally {
                sink.stop();
            }
        }
    }
}
