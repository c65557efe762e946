package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
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
    private final KafkaSink sink = new KafkaSink(new KafkaConfig("127.0.0.1:1", "points", Optional.of("run"),
            Duration.ofMillis(10), 1 << 20, Duration.ofSeconds(1), Duration.ZERO, Map.of()), client);

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
        MockProducer<byte[], byte[]> slow = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> r, Callback cb) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(r, cb);
            }
        };
        KafkaSink held = new KafkaSink(new KafkaConfig("127.0.0.1:1", "points", Optional.of("run"),
                Duration.ofMillis(10), 1 << 20, Duration.ofSeconds(1), Duration.ZERO, Map.of()), slow);
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
}
