package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka options of {@code server} and {@code tracereplay save} are checked before anything
 * starts: a topic without brokers, brokers without a topic, and a save given both a socket and a
 * topic are usage errors that say what is missing. (Reading a real topic is tested in
 * seccheck-kafka, beside its broker.)
 */
class KafkaOptionsTest {
    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path dir;

    @Test
    void serverRefusesATopicWithoutBrokersAndBrokersWithoutATopic() {
        assertThat(Main.execute("server", "--topic", "t")).isEqualTo(2);
        assertThat(err.text()).contains("need --kafka BOOTSTRAP");
        assertThat(Main.execute("server", "--kafka", "127.0.0.1:9")).isEqualTo(2);
        assertThat(err.text()).contains("--kafka: --topic TOPIC is required too");
    }

    @Test
    void saveTakesEitherASocketOrATopic() {
        assertThat(Main.execute("tracereplay", "save", "--out", dir.toString())).isEqualTo(2);
        assertThat(err.text()).contains("give either --endpoint PATH or --kafka BOOTSTRAP");
        assertThat(Main.execute("tracereplay", "save", "--out", dir.toString(), "--endpoint",
                dir.resolve("s").toString(), "--kafka", "127.0.0.1:9", "--topic", "t")).isEqualTo(2);
        assertThat(err.text()).contains("give either --endpoint PATH or --kafka BOOTSTRAP");
    }
}
