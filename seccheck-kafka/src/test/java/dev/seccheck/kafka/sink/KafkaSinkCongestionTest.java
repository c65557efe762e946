package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the sink stops sending: a send the client refuses after waiting its budget is a suspicion,
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

    @Test
    void oneRefusalOnALoadedHostDropsThatPointOnly() {
        assertThat(write()).isTrue();
        client.sendException = new TimeoutException("metadata not available after 10 ms");
        assertThat(write()).as("the refused point").isFalse();
        client.sendException = null;
        for (int i = 0; i < 100; i++) {
            assertThat(write()).as("point %d after the refusal", i).isTrue();
        }
        assertThat(sink.congested()).isFalse();
        assertThat(sink.dropped()).isEqualTo(1);
        assertThat(sink.sent()).isEqualTo(101);
        assertThat(client.history()).hasSize(101);
    }

    @Test
    void aSecondRefusalBeforeTheBrokerAnsweredDropsEveryPointWithoutWaiting() {
        client.sendException = new TimeoutException("metadata not available after 10 ms");
        assertThat(write()).isFalse();
        assertThat(sink.congested()).as("after one refusal").isFalse();
        assertThat(write()).isFalse();
        assertThat(sink.congested()).as("after two").isTrue();
        client.sendException = null;
        int handed = client.history().size();
        for (int i = 0; i < 50; i++) {
            assertThat(write()).isFalse();
        }
        assertThat(client.history()).as("points the congested sink handed to the client").hasSize(handed);
        assertThat(sink.dropped()).isEqualTo(52);
        assertThat(sink.sent() + sink.dropped()).isEqualTo(52);
    }
}
