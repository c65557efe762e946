package dev.seccheck.kafka.sink;

import dev.seccheck.sink.SinkSetup;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;

/**
 * KafkaSetup is a producer whose broker answered metadata for the sink's topic, so the first
 * points are not the ones that wait for it, and the run the sink's session belongs to (its
 * records' key).
 */
record KafkaSetup(Producer<byte[], byte[]> producer, int partitions, Optional<String> runId) implements SinkSetup {
    @Override
    public void close() {
        producer.close(Duration.ZERO);
    }
}
