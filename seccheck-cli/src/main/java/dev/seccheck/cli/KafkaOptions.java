package dev.seccheck.cli;

import dev.seccheck.kafka.source.KafkaSource;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * KafkaOptions are the options that make {@code server} and {@code tracereplay save} read the
 * records of kafka sinks from a topic instead of listening on a socket.
 */
final class KafkaOptions {
    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
            description = "Read the points of kafka sinks from these brokers (host:port[,...]) instead of a socket.")
    String bootstrap;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic to read (with --kafka).")
    String topic;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Kafka consumer group: readers of one group share the partitions (default: read them all, "
                    + "commit nothing).")
    String group;

    @Option(names = "--from-beginning", description = "Start at the oldest record kept (a group's committed position "
            + "wins); default: only new records.")
    boolean fromBeginning;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "A consumer property (TLS, SASL, ...), passed as given; repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    /** Returns the Kafka source these options ask for, or empty when {@code --kafka} is absent. */
    Optional<KafkaSource> source(CommandSpec spec, PrintStream log) {
        if (bootstrap == null) {
            if (topic != null || group != null || fromBeginning || !properties.isEmpty()) {
                throw new ParameterException(spec.commandLine(),
                        "--topic, --group, --from-beginning and --kafka-property need --kafka BOOTSTRAP");
            }
            return Optional.empty();
        }
        if (topic == null || topic.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--kafka: --topic TOPIC is required too");
        }
        for (String key : properties.keySet()) {
            if (key.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--kafka-property: KEY=VALUE needs a key, got \"="
                        + properties.get(key) + "\"");
            }
        }
        return Optional.of(new KafkaSource(new KafkaSource.Options(bootstrap, topic, group, fromBeginning, properties),
                log));
    }
}
