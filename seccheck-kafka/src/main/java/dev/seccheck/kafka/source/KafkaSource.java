package dev.seccheck.kafka.source;

import dev.seccheck.format.Escape;
import dev.seccheck.kafka.RecordHeaders;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.consumer.ServerLimits;
import dev.seccheck.remote.consumer.SourceLoop;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * KafkaSource reads the records of the {@code kafka} sink from a topic and hands them to an
 * {@link dev.seccheck.remote.consumer.EventServer} (or a recorder) as the packets the remote sink
 * would have sent: header rebuilt from the record's headers, payload the record's value. Each
 * record key (one per run) is one {@link Connection}, numbered in the order first seen, so
 * handlers that keep state per connection ({@code ProcessTracker}) work unchanged.
 *
 * <p>With a group, Kafka's consumer groups share the topic's partitions among every reader of the
 * same group (the classic protocol: it rebalances in about a second, the newer one took eleven
 * here) and commit what was read; without one, the source reads every partition and commits
 * nothing. One thread polls and delivers, so a handler sees each run's points in order.
 */
public final class KafkaSource implements EventSource {
    /** Records have no sending process that the reader could see: the credentials say "unknown". */
    static final PeerCredentials NO_PEER = new PeerCredentials(0, -1, -1);
    private static final Duration POLL = Duration.ofMillis(250);
    /** How long closing waits for the consumer to leave its group and commit. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Options says what to read.
     *
     * @param bootstrapServers {@code host:port[,...]}
     * @param topic the topic the sinks write to
     * @param group the consumer group; null: read every partition, commit nothing
     * @param fromBeginning start at the oldest record kept (a group's committed position wins)
     * @param properties further consumer properties (TLS, SASL), as given
     */
    public record Options(String bootstrapServers, String topic, String group, boolean fromBeginning,
            Map<String, String> properties) {
        public Options {
            properties = Map.copyOf(properties);
        }

        /** Returns these options with no extra consumer properties. */
        public Options(String bootstrapServers, String topic, String group, boolean fromBeginning) {
            this(bootstrapServers, topic, group, fromBeginning, Map.of());
        }
    }

    private final Options options;
    private final PrintStream log;

    /** Reads as {@code options} say; problems reading (a handler failing, the broker lost) go to {@code log}. */
    public KafkaSource(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    @Override
    public Running start(Packets packets, EventHandler handler) throws IOException {
        KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(properties());
        } catch (KafkaException e) {
            throw new IOException("kafka consumer for " + options.bootstrapServers() + ": " + e.getMessage(), e);
        }
        try {
            if (options.group() != null) {
                consumer.subscribe(List.of(options.topic()));
            } else {
                List<PartitionInfo> infos = consumer.partitionsFor(options.topic(), Duration.ofSeconds(10));
                if (infos.isEmpty()) {
                    throw new IOException("topic \"" + options.topic() + "\" not found at " + options.bootstrapServers());
                }
                List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                consumer.assign(parts);
                if (options.fromBeginning()) {
                    consumer.seekToBeginning(parts);
                } else {
                    consumer.seekToEnd(parts);
                    parts.forEach(consumer::position); // fix "the end" now, not at the first poll
                }
            }
        } catch (KafkaException | IOException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw e instanceof IOException io ? io : new IOException("reading topic \"" + options.topic() + "\" at "
                    + options.bootstrapServers() + ": " + e.getMessage(), e);
        }
        Loop loop = new Loop(consumer, packets, handler);
        loop.start();
        return loop;
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "seccheck-server");
        p.putAll(options.properties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, options.fromBeginning() ? "earliest" : "latest");
        if (options.group() != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, options.group());
            p.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        }
        return p;
    }

    /**
     * Returns who sent a run's records, as a connection's source: the record key (the run's id,
     * unless the sink's configuration set another) and the host of the first record. Both are
     * escaped: anyone who may write to the topic chooses them, and they end up in the log.
     */
    static String source(String key, ConsumerRecord<byte[], byte[]> first) {
        String host = RecordHeaders.text(first.headers(), RecordHeaders.HOST);
        StringBuilder sb = new StringBuilder("run ");
        Escape.quoted(sb, key, Escape.DEFAULT_LIMIT);
        if (!host.isEmpty()) {
            Escape.word(sb.append(" from host "), host, Escape.DEFAULT_LIMIT);
        }
        return sb.toString();
    }

    /** The polling thread and the connections it has seen. */
    private final class Loop extends SourceLoop {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Packets packets;
        final EventHandler handler;
        final Map<String, Connection> byKey = new LinkedHashMap<>();

        Loop(KafkaConsumer<byte[], byte[]> consumer, Packets packets, EventHandler handler) {
            super("seccheck-kafka-source");
            this.consumer = consumer;
            this.packets = packets;
            this.handler = handler;
        }

        @Override
        public String describe() {
            return "topic " + options.topic() + " at " + options.bootstrapServers()
                    + (options.group() == null ? "" : " (group " + options.group() + ")");
        }

        /** Wakes a poll in progress, which then throws WakeupException. */
        @Override
        protected void wake() {
            consumer.wakeup();
        }

        @Override
        protected void serveOnce() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                try {
                    deliver(r);
                } catch (RuntimeException e) {
                    // A handler bug costs that record, not the stream every run depends on.
                    log.println("seccheck: handler failed on record " + r.topic() + "-" + r.partition() + "@"
                            + r.offset() + ", skipped: " + e);
                }
            }
        }

        @Override
        protected void tick(long now) {
            handler.onTick();
        }

        @Override
        protected void failed(Exception e) {
            log.println("seccheck: reading " + describe() + " failed: " + e.getMessage());
        }

        @Override
        protected void finish() {
            try {
                for (Connection c : new ArrayList<>(byKey.values())) {
                    try {
                        handler.onDisconnect(c);
                    } catch (RuntimeException e) {
                        log.println("seccheck: handler failed disconnecting client-" + c.id() + ": " + e);
                    }
                }
                consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            } catch (KafkaException e) {
                log.println("seccheck: closing the consumer of " + describe() + ": " + e.getMessage());
            }
        }

        private void deliver(ConsumerRecord<byte[], byte[]> r) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            Connection c = byKey.get(key);
            if (c == null) {
                c = new Connection(byKey.size() + 1, Protocol.VERSION, NO_PEER, source(key, r));
                byKey.put(key, c);
                handler.onConnect(c);
            }
            String where = r.topic() + "-" + r.partition() + "@" + r.offset();
            OptionalLong type = RecordHeaders.number(r.headers(), RecordHeaders.TYPE);
            if (type.isEmpty() || type.getAsLong() > 0xffff) {
                packets.malformed(c, "record " + where + " has no " + RecordHeaders.TYPE + " header of 0..65535");
                return;
            }
            byte[] value = r.value() == null ? new byte[0] : r.value();
            if (value.length > ServerLimits.MAX_PACKET - WireHeader.SIZE) {
                packets.malformed(c, "record " + where + " of " + value.length + " bytes exceeds the packet limit");
                return;
            }
            // The remote sink's header carries the count as 32 bits; so does the rebuilt one.
            long dropped = Math.min(RecordHeaders.number(r.headers(), RecordHeaders.DROPPED).orElse(0), 0xffff_ffffL);
            byte[] packet = new byte[WireHeader.SIZE + value.length];
            WireHeader.write(MemorySegment.ofArray(packet), (int) type.getAsLong(), dropped);
            System.arraycopy(value, 0, packet, WireHeader.SIZE, value.length);
            packets.packet(c, packet, packet.length);
        }
    }
}
