package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SecurityCheckException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checked thread only queues a point; and when the sink stops sending: a send the client refuses after waiting its budget is a suspicion,
 * two in a row are congestion. Kafka's own {@link MockProducer} plays the client, refusing the
 * sends the test chooses; the probe asks a loopback port where no broker listens, so it never
 * clears a congestion here (the real broker's side is BrokerProbeTest's).
 */
class KafkaSinkCongestionTest {
    private static final Open POINT = Open.newBuilder().setPathname("/etc/hostname").build();

    private final MockProducer<byte[], byte[]> client =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final KafkaSink sink = new KafkaSink(config(1 << 20, OnDrop.COUNT), client);

    /** A configuration with the budget of these tests, a client buffer of {@code bufferBytes}. */
    private static KafkaConfig config(long bufferBytes, OnDrop onDrop) {
        return new KafkaConfig("127.0.0.1:1", "points", Optional.of("run"), Duration.ofMillis(10), bufferBytes,
                Duration.ofSeconds(1), Duration.ZERO, Map.of(), onDrop);
    }

    @AfterEach
    void stop() {
        sink.stop();
    }

    private boolean write() {
        return sink.write(MessageType.MESSAGE_SYSCALL_OPEN, POINT);
    }

    /** Writes one point and waits until the sink's sending thread handed it to the client. */
    private boolean writeAndHandOver() {
        boolean queued = write();
        assertThat(sink.awaitHandedOver(Duration.ofSeconds(30))).as("handed over within 30 s").isTrue();
        return queued;
    }

    @Test
    void oneRefusalOnALoadedHostDropsThatPointOnly() {
        assertThat(writeAndHandOver()).isTrue();
        client.sendException = new TimeoutException("metadata not available after 10 ms");
        assertThat(writeAndHandOver()).as("queued; the client refuses it on the sending thread").isTrue();
        assertThat(sink.dropped()).as("the refused point").isEqualTo(1);
        client.sendException = null;
        for (int i = 0; i < 100; i++) {
            assertThat(write()).as("point %d after the refusal", i).isTrue();
        }
        assertThat(sink.awaitHandedOver(Duration.ofSeconds(30))).isTrue();
        assertThat(sink.congested()).isFalse();
        assertThat(sink.dropped()).isEqualTo(1);
        assertThat(sink.sent()).isEqualTo(101);
        assertThat(client.history()).hasSize(101);
    }

    @Test
    void aSecondRefusalBeforeTheBrokerAnsweredDropsEveryPointWithoutWaiting() {
        client.sendException = new TimeoutException("metadata not available after 10 ms");
        writeAndHandOver();
        assertThat(sink.congested()).as("after one refusal").isFalse();
        writeAndHandOver();
        assertThat(sink.congested()).as("after two").isTrue();
        client.sendException = null;
        int handed = client.history().size();
        for (int i = 0; i < 50; i++) {
            assertThat(write()).as("dropped at once while congested").isFalse();
        }
        assertThat(sink.awaitHandedOver(Duration.ofSeconds(30))).isTrue();
        assertThat(client.history()).as("points the congested sink handed to the client").hasSize(handed);
        assertThat(sink.dropped()).isEqualTo(52);
        assertThat(sink.sent() + sink.dropped()).isEqualTo(52);
    }

    /** The checked thread only queues: a client that blocks in send holds the sink's thread, not it. */
    @Test
    void aClientBlockedInSendDoesNotHoldTheCheckedThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        MockProducer<byte[], byte[]> slow = holding(release);
        KafkaSink held = new KafkaSink(config(1 << 20, OnDrop.COUNT), slow);
        try {
            for (int i = 0; i < 100; i++) {
                assertThat(held.write(MessageType.MESSAGE_SYSCALL_OPEN, POINT)).isTrue();
            }
            assertThat(held.awaitHandedOver(Duration.ofMillis(200))).as("the client still holds the first").isFalse();
            release.countDown();
            assertThat(held.awaitHandedOver(Duration.ofSeconds(30))).isTrue();
            assertThat(held.sent()).isEqualTo(100);
            assertThat(slow.history()).hasSize(100);
        } finally {
            release.countDown();
            held.stop();
        }
    }

    /**
     * on_drop: a point dropped at once fails its operation (deny: EPERM; kill: the process), both
     * when the broker does not answer (congested) and when the buffer is half full; it is counted
     * either way, and the default only counts it. A point queued again goes on as usual.
     */
    @Test
    void aPointDroppedAtOnceFailsItsOperationWhenOnDropSaysSo() throws Exception {
        for (OnDrop onDrop : OnDrop.values()) {
            MockProducer<byte[], byte[]> refusing =
                    new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            KafkaSink s = new KafkaSink(config(1 << 20, onDrop), refusing);
            try {
                refusing.sendException = new TimeoutException("metadata not available after 10 ms");
                for (int i = 0; i < 2; i++) {
                    s.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, POINT); // queued: refused later
                    assertThat(s.awaitHandedOver(Duration.ofSeconds(30))).isTrue();
                }
                assertThat(s.congested()).isTrue();
                expectOnDrop(onDrop, s, "the broker does not answer");
                assertThat(s.dropped()).isEqualTo(3);
            } finally {
                s.stop();
            }

            CountDownLatch release = new CountDownLatch(1);
            KafkaSink full = new KafkaSink(config(1 << 16, onDrop), holding(release));
            try {
                int queued = 0;
                while (full.write(MessageType.MESSAGE_SYSCALL_OPEN, POINT)) {
                    queued++;
                }
                assertThat(queued).as("points in half of a 64 KiB buffer").isBetween(100, 300);
                expectOnDrop(onDrop, full, "its buffer is half full");
                assertThat(full.dropped()).isEqualTo(2);
                release.countDown();
                assertThat(full.awaitHandedOver(Duration.ofSeconds(30))).isTrue();
                assertThat(full.sent()).isEqualTo(queued);
                full.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, POINT); // room again: goes on
                assertThat(full.dropped()).isEqualTo(2);
            } finally {
                release.countDown();
                full.stop();
            }
        }
    }

    /** A client whose every send waits for {@code release}, as one whose broker is slow. */
    private static MockProducer<byte[], byte[]> holding(CountDownLatch release) {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback cb) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(r, cb);
            }
        };
    }

    private static void expectOnDrop(OnDrop onDrop, KafkaSink s, String why) {
        if (onDrop == OnDrop.COUNT) {
            try {
                s.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, POINT);
            } catch (SecurityCheckException e) {
                throw new AssertionError("on_drop count failed the operation", e);
            }
            return;
        }
        assertThatThrownBy(() -> s.point(Point.EXECVE, null, MessageType.MESSAGE_SYSCALL_OPEN, POINT))
                .as(why).isInstanceOfSatisfying(SecurityCheckException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.killTask()).isEqualTo(onDrop == OnDrop.KILL);
                    assertThat(e).hasMessageContaining("sentry/execve").hasMessageContaining("points");
                });
    }
}
