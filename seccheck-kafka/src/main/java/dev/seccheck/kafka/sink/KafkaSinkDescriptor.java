package dev.seccheck.kafka.sink;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * KafkaSinkDescriptor makes the {@code kafka} sink. Setup creates the producer and waits, at most
 * {@code setup_timeout}, for the broker to answer metadata for the topic: that is what
 * {@code ignore_setup_error} covers. The configuration is parsed once, by validate.
 */
public final class KafkaSinkDescriptor implements SinkDescriptor<KafkaConfig> {
    /** How long the producer waits to fill a batch unless the site's {@code linger.ms} says otherwise. */
    static final Duration DEFAULT_LINGER = Duration.ofMillis(100);
    /**
     * The most bytes of one batch unless the site's {@code batch.size} says otherwise (Kafka's: 16
     * KiB), and at most a quarter of {@code buffer_bytes}.
     */
    static final int DEFAULT_BATCH_BYTES = 256 * 1024;

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public List<ConfigKey> keys() {
        return KafkaConfig.KEYS;
    }

    @Override
    public KafkaConfig validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        KafkaConfig c = KafkaConfig.parse(config);
        try {
            new ProducerConfig(properties(c)); // the client's own checks of every value, before anything starts
        } catch (ConfigException e) {
            throw new SinkException(config.pathOf("properties") + ": " + e.getMessage(), e);
        }
        return c;
    }

    @Override
    public SinkSetup setup(KafkaConfig c) throws SinkException {
        return setup(c, SinkContext.NONE);
    }

    /** Sets up as {@link #setup(KafkaConfig)} says, for the run in {@code context}: its id keys the records. */
    @Override
    public SinkSetup setup(KafkaConfig c, SinkContext context) throws SinkException {
        Producer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(properties(c));
        } catch (KafkaException e) {
            throw new SinkException("kafka sink: creating the producer for " + c.bootstrapServers() + ": "
                    + rootMessage(e), e);
        }
        long deadline = System.nanoTime() + c.setupTimeout().toNanos();
        // Each partitionsFor waits up to max_block (the producer's max.block.ms), which may be longer
        // than what is left of setup_timeout: the calls run on a thread of their own, and setup waits
        // for them only until its deadline, then closes the producer, which ends the wait.
        CompletableFuture<Object> asked = new CompletableFuture<>();
        Thread asker = Thread.ofPlatform().daemon().name("kafka-sink-setup").unstarted(
                () -> askUntil(producer, c.topic(), deadline, asked));
        asker.start();
        Object answer;
        try {
            answer = asked.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            answer = "no answer";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = "interrupted";
        } catch (ExecutionException e) {
            answer = e.getCause();
        }
        if (answer instanceof Integer partitions) {
            return new KafkaSetup(producer, partitions, context.runId());
        }
        producer.close(Duration.ZERO);
        if (answer instanceof KafkaException e) {
            throw new SinkException("kafka sink: metadata for topic \"" + c.topic() + "\" from "
                    + c.bootstrapServers() + ": " + rootMessage(e), e);
        }
        throw new SinkException("kafka sink: no metadata for topic \"" + c.topic() + "\" from " + c.bootstrapServers()
                + " within " + c.setupTimeout().toMillis() + " ms (" + answer + ")");
    }

    /**
     * Asks for the topic's partitions until {@code deadline}, completing {@code asked} with their
     * number, the client's error, or why no answer came (a String).
     */
    private static void askUntil(Producer<byte[], byte[]> producer, String topic, long deadline,
            CompletableFuture<Object> asked) {
        String last = "no answer";
        while (System.nanoTime() - deadline < 0 && !asked.isDone()) {
            try {
                List<PartitionInfo> partitions = producer.partitionsFor(topic);
                if (!partitions.isEmpty()) {
                    asked.complete(partitions.size());
                    return;
                }
                last = "the topic has no partitions";
            } catch (TimeoutException e) {
                last = rootMessage(e);
                sleepBriefly();
            } catch (KafkaException e) {
                // Also how a producer closed at the deadline ends a wait: no one reads it then.
                asked.complete(e);
                return;
            }
        }
        asked.complete(last);
    }

    @Override
    public Sink create(KafkaConfig config, SinkSetup setup) throws SinkException {
        if (!(setup instanceof KafkaSetup s)) {
            throw new SinkException("kafka sink: created without a producer (setup did not run)");
        }
        return new KafkaSink(config, s.producer(), s.runId());
    }

    /** Returns the producer properties: the site's, then the ones the sink owns. */
    static Properties properties(KafkaConfig c) {
        Properties p = new Properties();
        // Points share a batch for up to 100 ms instead of Kafka's 5: on 2 CPUs, 20,000 opens took
        // the broker 1.5-2.7 s of CPU with 5 ms and 0.4-0.5 s with 100, CPU the checked program
        // waits for when the broker shares its host (BENCHMARKS.md). A monitoring stream loses
        // nothing by arriving 0.1 s later; a site sets linger.ms to choose otherwise.
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(DEFAULT_LINGER.toMillis()));
        // A batch of Kafka's 16 KiB holds ~150 points: a burst of opens filled one every ~2 ms, each
        // a wake-up, a request and an answer for the client's network thread on the program's
        // CPUs. 256 KiB cut that thread's CPU by about a quarter (BENCHMARKS.md, kafka sink).
        // A batch larger than buffer.memory fails every send: a small buffer_bytes gets batches of a
        // quarter of it.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Long.toString(Math.min(DEFAULT_BATCH_BYTES, c.bufferBytes() / 4)));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "seccheck-kafka-sink");
        p.putAll(c.properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(c.maxBlock().toMillis()));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(c.bufferBytes()));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t.getMessage();
    }
}
