package dev.seccheck.kafka.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.Catalog;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The kafka sink's configuration, checked completely before anything starts, with errors naming
 * the key; its registration by ServiceLoader; and setup, which needs a broker answering metadata,
 * so that {@code ignore_setup_error} skips the sink when there is none. No broker here.
 */
class KafkaSinkConfigTest {
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final SessionManager sessions = new SessionManager(new PointState(), warnings::add);
    private final SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());

    private void create(String config, boolean ignoreSetupError) throws SessionException {
        sessions.create(parser.parse("""
                {"name": "k", "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "kafka", "ignore_setup_error": %s, "config": %s}]}""".formatted(ignoreSetupError,
                config)), false);
    }

    private String error(String config) {
        try {
            create(config, false);
        } catch (SessionException e) {
            return e.getMessage();
        } finally {
            sessions.deleteAll();
        }
        throw new AssertionError("accepted: " + config);
    }

    @Test
    void theSinkIsFoundByServiceLoader() {
        assertThat(SinkRegistry.discover().byName("kafka")).get().isInstanceOf(KafkaSinkDescriptor.class);
    }

    @Test
    void configurationErrorsNameTheKeyAndTheValue() {
        assertThat(error("{\"topic\": \"t\"}")).contains("sinks[0].config.bootstrap_servers: is required");
        assertThat(error("{\"bootstrap_servers\": \"h:1\"}")).contains("sinks[0].config.topic: is required");
        assertThat(error("{\"bootstrap_servers\": \"nohost\", \"topic\": \"t\"}"))
                .contains("sinks[0].config.bootstrap_servers: \"nohost\" is not host:port");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"a b\"}"))
                .contains("sinks[0].config.topic: \"a b\" is not a Kafka topic name");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"max_block\": \"soon\"}"))
                .contains("sinks[0].config.max_block");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"buffer_bytes\": 10}"))
                .contains("sinks[0].config.buffer_bytes: must be between 65536");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"topik\": \"x\"}"))
                .contains("sinks[0].config.topik: unknown key");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"properties\": {\"max.block.ms\": 60000}}"))
                .contains("sinks[0].config.properties.max.block.ms: is set by max_block");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"properties\": {\"acks\": \"some\"}}"))
                .contains("sinks[0].config.properties:").contains("acks");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"properties\": {\"acks\": [1]}}"))
                .contains("sinks[0].config.properties.acks: must be a string, number or boolean");
        assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"on_drop\": \"drop\"}"))
                .contains("sinks[0].config.on_drop: must be one of \"count\", \"deny\", \"kill\", got \"drop\"");
        for (String codec : List.of("snappy", "lz4", "zstd", " ZSTD")) {
            assertThat(error("{\"bootstrap_servers\": \"h:1\", \"topic\": \"t\", \"properties\": {\"compression.type\": \""
                    + codec + "\"}}"))
                    .contains("sinks[0].config.properties.compression.type: \"" + codec + "\" needs a native library")
                    .contains("gzip or none");
        }
    }

    @Test
    void propertiesReachTheProducerAsGivenAndTheBudgetIsTheSinks() throws Exception {
        SinkConfig props = new SinkConfig("c.properties", Map.of(
                "compression.type", new ConfigValue.Text("c.properties.compression.type", "gzip"),
                "linger.ms", new ConfigValue.Numeric("c.properties.linger.ms", BigDecimal.TEN, true)));
        KafkaConfig c = new KafkaSinkDescriptor().validate(new SinkConfig("c", Map.of(
                "bootstrap_servers", new ConfigValue.Text("c.bootstrap_servers", "127.0.0.1:9"),
                "topic", new ConfigValue.Text("c.topic", "t"),
                "max_block", new ConfigValue.Text("c.max_block", "25ms"),
                "properties", new ConfigValue.Table(props))), List.of());
        assertThat(KafkaSinkDescriptor.properties(c)).containsEntry("compression.type", "gzip")
                .containsEntry("linger.ms", "10").containsEntry("max.block.ms", "25")
                .containsEntry("bootstrap.servers", "127.0.0.1:9");
        KafkaConfig plain = new KafkaSinkDescriptor().validate(new SinkConfig("c", Map.of(
                "bootstrap_servers", new ConfigValue.Text("c.bootstrap_servers", "127.0.0.1:9"),
                "topic", new ConfigValue.Text("c.topic", "t"))), List.of());
        assertThat(plain.onDrop()).as("a dropped point is counted unless on_drop says").isEqualTo(OnDrop.COUNT);
        assertThat(new KafkaSinkDescriptor().keys()).as("what seccheck metadata lists").extracting(ConfigKey::name)
                .containsExactly("bootstrap_servers", "topic", "key", "max_block", "buffer_bytes", "setup_timeout",
                        "close_timeout", "properties", "on_drop");
        assertThat(KafkaSinkDescriptor.properties(plain)).as("points batched for 100 ms unless the site says")
                .containsEntry("linger.ms", "100").containsEntry("batch.size", "262144");
        KafkaConfig small = new KafkaSinkDescriptor().validate(new SinkConfig("c", Map.of(
                "bootstrap_servers", new ConfigValue.Text("c.bootstrap_servers", "127.0.0.1:9"),
                "topic", new ConfigValue.Text("c.topic", "t"),
                "buffer_bytes", new ConfigValue.Numeric("c.buffer_bytes", BigDecimal.valueOf(65536), true))), List.of());
        assertThat(KafkaSinkDescriptor.properties(small)).as("a batch fits the client's buffer (else every send fails)")
                .containsEntry("batch.size", "16384");
    }

    /** A loopback port nobody listens on: bound, then closed. */
    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    @Test
    void setupNeedsTheBrokerToAnswerAndIgnoreSetupErrorSkipsTheSinkWithAWarning() throws Exception {
        String config = "{\"bootstrap_servers\": \"127.0.0.1:" + deadPort() + "\", \"topic\": \"t\", "
                + "\"setup_timeout\": \"1s\"}";
        long start = System.nanoTime();
        assertThatThrownBy(() -> create(config, false)).isInstanceOf(SessionException.class)
                .hasMessageContaining("no metadata for topic \"t\"").hasMessageContaining("within 1000 ms");
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms to give up").isLessThan(15_000);
        assertThat(sessions.list()).isEmpty();

        create(config, true);
        assertThat(sessions.list()).hasSize(1);
        assertThat(sessions.list().getFirst().sinks()).isEmpty();
        assertThat(warnings).anyMatch(w -> w.contains("kafka") && w.contains("no metadata"));
        sessions.deleteAll();
    }

    /**
     * setup_timeout bounds setup whatever max_block is: each metadata wait blocked for max_block,
     * so a 30 s max_block held a 1 s setup for 30 s. Nothing listens on the port (40450-40459 are
     * left free for such tests).
     */
    @Test
    void setupTimeoutHoldsWhenMaxBlockIsLonger() {
        String config = "{\"bootstrap_servers\": \"127.0.0.1:40451\", \"topic\": \"t\", "
                + "\"max_block\": \"30s\", \"setup_timeout\": \"1s\"}";
        long start = System.nanoTime();
        assertThat(error(config)).contains("no metadata for topic \"t\"").contains("within 1000 ms");
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms to give up").isLessThan(8_000);
    }

    /** A max_block of hours left the sending thread in the client while every point behind it dropped. */
    @Test
    void maxBlockHasAnUpperBound() {
        assertThat(error("{\"bootstrap_servers\": \"127.0.0.1:40452\", \"topic\": \"t\", \"max_block\": \"100000h\"}"))
                .endsWith("sinks[0].config.max_block: must be at most 60s, got \"100000h\"");
        assertThat(error("{\"bootstrap_servers\": \"127.0.0.1:40452\", \"topic\": \"t\", \"max_block\": \"61s\"}"))
                .contains("max_block: must be at most 60s");
    }
}
