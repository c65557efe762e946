package dev.seccheck.kafka.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * BrokerExtension gives a test class its own {@link LocalBroker}: started in a fresh directory
 * before the class's tests, stopped by pid and its directory removed after them. Register it as
 * a static field with {@code @RegisterExtension}.
 */
public final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private LocalBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("seccheck-kafka-broker");
        broker = LocalBroker.start(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (broker != null) {
                broker.stop();
            }
        } finally {
            if (dir != null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    throw new IOException("removing the broker's directory " + dir, e);
                }
            }
        }
    }

    /** Returns the running broker. */
    public LocalBroker broker() {
        return broker;
    }

    /** Returns the broker's {@code host:port}. */
    public String bootstrap() {
        return broker.bootstrap();
    }
}
