package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.kafka.broker.BrokerExtension;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A congested sink asks the broker itself whether it is back, never the producer's cached
 * metadata: with the broker stopped the producer still "knows" the topic (it is told not to
 * forget it, as it does not for a while by default), yet the sink stays
 * congested until the broker is restarted, then delivers again. Its own broker, since the test
 * stops it.
 */
class BrokerProbeTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static void await(BooleanSupplier done, int seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            LockSupport.parkNanos(20_000_000);
        }
    }

    /**
     * A topic whose partitions have no leader yet (a broker answering right after its restart)
     * is not served: a producer would wait its whole budget for each record.
     */
    @Test
    void aTopicIsServedOnlyWhenEveryPartitionHasALeader() {
        Node broker = new Node(1, "127.0.0.1", 9092);
        TopicPartitionInfo led = new TopicPartitionInfo(0, broker, List.of(broker), List.of(broker));
        TopicPartitionInfo leaderless = new TopicPartitionInfo(1, null, List.of(broker), List.of());
        TopicPartitionInfo noNode = new TopicPartitionInfo(1, Node.noNode(), List.of(broker), List.of());

        assertThat(BrokerProbe.served(null)).isFalse();
        assertThat(BrokerProbe.served(new TopicDescription("t", false, List.of()))).isFalse();
        assertThat(BrokerProbe.served(new TopicDescription("t", false, List.of(led)))).isTrue();
        assertThat(BrokerProbe.served(new TopicDescription("t", false, List.of(led, leaderless)))).isFalse();
        assertThat(BrokerProbe.served(new TopicDescription("t", false, List.of(led, noNode)))).isFalse();
    }

    @Test
    void aCongestedSinkStaysCongestedWhileTheBrokerIsDownThoughTheProducerCachedTheTopic() throws Exception {
        String topic = "probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        Map<String, ConfigValue> entries = new LinkedHashMap<>();
        entries.put("bootstrap_servers", new ConfigValue.Text("c.bootstrap_servers", BROKER.bootstrap()));
        entries.put("topic", new ConfigValue.Text("c.topic", topic));
        entries.put("max_block", new ConfigValue.Text("c.max_block", "500ms"));
        entries.put("close_timeout", new ConfigValue.Text("c.close_timeout", "0s"));
        // Kafka 4's default (rebootstrap) makes the producer forget the topic some time after the
        // broker became unreachable; until then, and always with "none" (a site may set it), the
        // producer's metadata says the topic is there.
        entries.put("properties", new ConfigValue.Table(new SinkConfig("c.properties", Map.of(
                "metadata.recovery.strategy", new ConfigValue.Text("c.properties.metadata.recovery.strategy", "none")))));
        KafkaSinkDescriptor d = new KafkaSinkDescriptor();
        KafkaConfig c = d.validate(new SinkConfig("c", entries), List.of());
        KafkaSetup setup = (KafkaSetup) d.setup(c, SinkContext.ofRun("probe-run"));
        KafkaSink sink = (KafkaSink) d.create(c, setup);
        try {
            Open point = Open.newBuilder().setPathname("/before").build();
            assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, point)).isTrue();
            await(() -> sink.sent() == 1, 60, "the first point to be acknowledged");

            BROKER.broker().stop();
            // What the old probe asked: the producer answers from its cache, broker or not.
            assertThat(setup.producer().partitionsFor(topic)).as("the producer's cached metadata").isNotEmpty();
            sink.refused(); // as a send that waited its whole budget does: a suspicion
            assertThat(sink.congested()).as("one refusal alone").isFalse();
            sink.refused(); // and a second one before the probe answered
            long start = System.nanoTime();
            while (System.nanoTime() - start < Duration.ofSeconds(6).toNanos()) {
                assertThat(sink.congested()).as("congested while the broker is down").isTrue();
                LockSupport.parkNanos(100_000_000);
            }
            assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, point)).as("dropped while congested").isFalse();

            BROKER.broker().restart();
            await(() -> !sink.congested(), 90, "the sink to find the restarted broker");
            assertThat(sink.write(MessageType.MESSAGE_SYSCALL_OPEN, Open.newBuilder().setPathname("/after").build()))
                    .isTrue();
            await(() -> sink.sent() == 2, 90, "a point after the restart to be acknowledged");
        } finally {
            sink.stop();
        }
        assertThat(sink.dropped()).isEqualTo(1);
    }
}
