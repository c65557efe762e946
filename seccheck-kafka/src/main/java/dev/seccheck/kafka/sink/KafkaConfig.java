package dev.seccheck.kafka.sink;

import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * KafkaConfig is the validated configuration of the {@code kafka} sink: where the records go, the
 * budget the sink's sending thread may spend in the client, and the producer properties a site needs (acks,
 * compression, TLS, SASL), passed to the client as they are.
 *
 * @param bootstrapServers {@code host:port[,host:port...]} of the brokers
 * @param topic the topic every point goes to
 * @param key the record key; empty: the run's container id (see {@link KafkaSink})
 * @param maxBlock the longest the sink's sending thread may wait in the client (its
 *     {@code max.block.ms}); a checked thread never waits in it (see {@link KafkaSink})
 * @param bufferBytes the client's record buffer ({@code buffer.memory}); past half of it the
 *     sink drops instead of letting the client block
 * @param setupTimeout how long setup waits for the broker to answer metadata for the topic
 * @param closeTimeout how long stopping the sink waits for buffered records to be delivered
 * @param properties producer properties, as given
 * @param onDrop what a point the sink drops at once (its buffer half full, the broker gone) does
 *     to the operation it reports
 */
public record KafkaConfig(String bootstrapServers, String topic, Optional<String> key, Duration maxBlock,
        long bufferBytes, Duration setupTimeout, Duration closeTimeout, Map<String, String> properties,
        OnDrop onDrop) {

    /** The sending thread waits at most this long by default before a send counts as refused. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofMillis(10);
    /**
     * The longest max_block: Kafka's own default max.block.ms. A longer one would let the sink's
     * sending thread sit in the client for hours while the points queued behind it are dropped, and
     * a stopping run wait on it.
     */
    public static final Duration MAX_MAX_BLOCK = Duration.ofSeconds(60);
    /** Kafka's own default buffer. */
    public static final long DEFAULT_BUFFER_BYTES = 32L << 20;
    /** How long setup waits for metadata by default. */
    public static final Duration DEFAULT_SETUP_TIMEOUT = Duration.ofSeconds(10);
    /** How long the end of a run waits for buffered records by default. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The keys this sink reads, for {@code seccheck metadata}; anything else is a typo and refused. */
    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey("bootstrap_servers", "host:port[,host:port...] of the brokers (required)"),
            new ConfigKey("topic", "the topic every point goes to (required)"),
            new ConfigKey("key", "the record key (default: the run's id)"),
            new ConfigKey("max_block", "the longest the sink's sending thread waits in the client for metadata or"
                    + " room (default 10ms, at most 60s)"),
            new ConfigKey("buffer_bytes", "the client's record buffer; past half of it points are dropped"
                    + " (default 32 MiB)"),
            new ConfigKey("setup_timeout", "how long setup waits for the broker to answer metadata (default 10s)"),
            new ConfigKey("close_timeout", "how long the end of the run waits for buffered records (default 5s)"),
            new ConfigKey("properties", "producer properties passed as they are (acks, TLS, SASL, ...)"),
            new ConfigKey(OnDrop.KEY, "what a point dropped at once does to its operation: count (default),"
                    + " deny (fails it, EPERM) or kill (kills its process)"));

    /**
     * Producer properties the sink sets from its own keys or needs as they are: a value in
     * {@code properties} would silently undo the budget or the record format.
     */
    static final Map<String, String> OWNED = Map.of(
            "bootstrap.servers", "bootstrap_servers",
            "max.block.ms", "max_block",
            "buffer.memory", "buffer_bytes",
            "key.serializer", "the sink (records are bytes)",
            "value.serializer", "the sink (records are bytes)");

    /**
     * The Kafka client's codecs that are JNI libraries, left out of the build: each would extract
     * its native library into the temporary directory and load it into the supervisor, where a
     * program under it (the same user) could replace the file first.
     */
    static final Set<String> NATIVE_CODECS = Set.of("snappy", "lz4", "zstd");

    public KafkaConfig {
        properties = Map.copyOf(properties);
    }

    /** Reads and checks a sink configuration completely; errors name the key's path and the bad value. */
    public static KafkaConfig parse(SinkConfig config) throws SinkException {
        config.requireOnly(KEYS.stream().map(ConfigKey::name).toArray(String[]::new));
        String servers = config.requireString("bootstrap_servers");
        for (String server : servers.split(",", -1)) {
            int colon = server.lastIndexOf(':');
            if (colon <= 0 || !server.substring(colon + 1).matches("[0-9]{1,5}")) {
                throw config.error("bootstrap_servers", "\"" + server + "\" is not host:port (in \"" + servers + "\")");
            }
        }
        String topic = config.requireString("topic");
        if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw config.error("topic", "\"" + topic + "\" is not a Kafka topic name (letters, digits, '.', '_', '-'; "
                    + "at most 249)");
        }
        Optional<String> key = config.string("key");
        if (key.isPresent() && key.get().isEmpty()) {
            throw config.error("key", "must not be empty (leave it out for the run's container id)");
        }
        Duration maxBlock = config.duration("max_block", DEFAULT_MAX_BLOCK);
        if (maxBlock.compareTo(MAX_MAX_BLOCK) > 0) {
            throw config.error("max_block", "must be at most " + MAX_MAX_BLOCK.toSeconds() + "s, got \""
                    + config.string("max_block").orElseThrow() + "\"");
        }
        long buffer = config.integer("buffer_bytes").orElse(DEFAULT_BUFFER_BYTES);
        if (buffer < 1 << 16 || buffer > 1L << 34) {
            throw config.error("buffer_bytes", "must be between 65536 and " + (1L << 34) + ", got " + buffer);
        }
        Duration setup = config.duration("setup_timeout", DEFAULT_SETUP_TIMEOUT);
        if (setup.isZero()) {
            throw config.error("setup_timeout", "must be positive");
        }
        Duration close = config.duration("close_timeout", DEFAULT_CLOSE_TIMEOUT);
        Map<String, String> props = new LinkedHashMap<>();
        Optional<SinkConfig> given = config.object("properties");
        if (given.isPresent()) {
            SinkConfig p = given.get();
            for (String name : p.keys()) {
                if (OWNED.containsKey(name)) {
                    throw p.error(name, "is set by " + OWNED.get(name) + "; use that instead");
                }
                Optional<ConfigValue> v = p.value(name);
                if (v.isEmpty()) {
                    continue;
                }
                props.put(name, switch (v.get()) {
                    case ConfigValue.Text t -> t.value();
                    case ConfigValue.Numeric n -> n.json();
                    case ConfigValue.Bool b -> Boolean.toString(b.value());
                    default -> throw p.error(name, "must be a string, number or boolean, got " + v.get().json());
                });
                if (name.equals("compression.type") && NATIVE_CODECS.contains(props.get(name).trim().toLowerCase(Locale.ROOT))) {
                    throw p.error(name, "\"" + props.get(name) + "\" needs a native library, which seccheck does not load into "
                            + "the supervisor (a program under it could replace the library's file); use gzip or none");
                }
            }
        }
        return new KafkaConfig(servers, topic, key, maxBlock, buffer, setup, close, props, OnDrop.parse(config));
    }
}
