package dev.seccheck.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.kafka.sink.KafkaConfig;
import dev.seccheck.kafka.sink.KafkaSink;
import dev.seccheck.kafka.sink.KafkaSinkDescriptor;
import dev.seccheck.kafka.source.KafkaSource;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.PointSink;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Harness runs real programs under the supervisor with a session whose sinks are the kafka sink
 * and a tally of every point the session fired, and reads topics back through {@link KafkaSource}.
 */
final class Harness {
    private Harness() {}

    /** A point as a sink saw it. */
    record Fired(MessageType type, Message msg) {}

    /** The kafka sinks created, for their counters, and the tally of every point fired. */
    static final class Sinks {
        final List<KafkaSink> kafka = new CopyOnWriteArrayList<>();
        final List<Fired> fired = new CopyOnWriteArrayList<>();

        SinkRegistry registry() {
            KafkaSinkDescriptor real = new KafkaSinkDescriptor();
            SinkDescriptor<KafkaConfig> capturing = real.mapSinks(sink -> {
                kafka.add((KafkaSink) sink);
                return sink;
            });
            SinkDescriptor.Plain tally = new SinkDescriptor.Plain() {
                @Override
                public String name() {
                    return "tally";
                }

                @Override
                public Sink create(SinkConfig config, SinkSetup setup) {
                    return new PointSink() {
                        @Override
                        public String name() {
                            return "tally";
                        }

                        @Override
                        public void point(Point point, FieldSet fields, MessageType type, Message msg) {
                            fired.add(new Fired(type, msg));
                        }
                    };
                }
            };
            return new SinkRegistry(List.of(capturing, tally));
        }
    }

    /** What a run returned: its exit status and how long the program took. */
    record Run(int status, Duration took) {}

    /**
     * Runs {@code argv} as run {@code runId} with one session of {@code pointsJson} (a JSON array)
     * sending to the kafka sink configured by {@code kafkaConfigJson} and the tally; the session
     * is deleted after the run, so the sink's counts are final on return.
     */
    static Run run(Sinks sinks, String runId, String pointsJson, String kafkaConfigJson, List<String> argv)
            throws Exception {
        SessionManager sessions = new SessionManager(new PointState(), w -> System.err.println("warning: " + w));
        SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), sinks.registry());
        sessions.create(parser.parse("""
                {"name": "kafka-test", "points": %s,
                 "sinks": [{"name": "kafka", "config": %s}, {"name": "tally"}]}""".formatted(pointsJson, kafkaConfigJson)),
                false);
        try {
            long start = System.nanoTime();
            int status = new Supervisor(sessions.state(), Catalog.standard(), runId, line -> {}).allowPtrace(true)
                    .run(argv);
            return new Run(status, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            sessions.deleteAll();
        }
    }

    /** Compiles {@code src/test/c/<name>.c} of this module (or another's source) into {@code target/}. */
    static Path compile(Path source) throws IOException, InterruptedException {
        Path out = Path.of("target", "c", source.getFileName().toString().replace(".c", "")).toAbsolutePath();
        Files.createDirectories(out.getParent());
        Process p = new ProcessBuilder("gcc", "-O1", "-pthread", "-o", out.toString(), source.toString())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("gcc %s in time", source).isTrue();
        assertThat(p.exitValue()).as("gcc %s: %s", source, said).isZero();
        return out;
    }

    /** Collects every event a server dispatches, with the connection (run) it came from. */
    static class Collect implements EventHandler {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(Event e) {
            events.add(e);
        }
    }

    /** Starts a server reading the whole topic (every partition, from the beginning, no group). */
    static EventServer readAll(String bootstrap, String topic, EventHandler handler) throws IOException {
        return EventServer.start(new KafkaSource(new KafkaSource.Options(bootstrap, topic, null, true), quiet()),
                handler);
    }

    static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    /** Waits for {@code done}, failing after {@code seconds}. */
    static void await(BooleanSupplier done, int seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            LockSupport.parkNanos(20_000_000);
        }
    }
}
