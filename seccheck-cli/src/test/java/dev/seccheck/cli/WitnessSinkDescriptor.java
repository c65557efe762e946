package dev.seccheck.cli;

import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.sink.SinkStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * WitnessSinkDescriptor makes the {@code witness} sink, which exists on the test class path only
 * (found by ServiceLoader like any sink) so that a run's tests see what the run hands its sinks:
 * setup writes the run id it got to {@code file}, and the sink reports {@code dropped_at_stop}
 * points dropped once stopped, like a sink whose buffered points fail at the end of the run.
 */
public final class WitnessSinkDescriptor implements SinkDescriptor.Plain {

    @Override
    public String name() {
        return "witness";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(new ConfigKey("file", "where setup writes the run id it got (tests only)"),
                new ConfigKey("dropped_at_stop", "points the sink reports dropped once stopped (tests only)"));
    }

    @Override
    public SinkSetup setup(SinkConfig config, SinkContext context) throws SinkException {
        requireKnownKeys(config);
        try {
            Files.writeString(Path.of(config.requireString("file")), context.runId().orElse("(none)"));
        } catch (IOException e) {
            throw config.error("file", e.toString());
        }
        return SinkSetup.NONE;
    }

    @Override
    public Sink create(SinkConfig config, SinkSetup setup) throws SinkException {
        long atStop = config.integer("dropped_at_stop").orElse(0);
        return new Sink() {
            volatile boolean stopped;

            @Override
            public String name() {
                return "witness";
            }

            @Override
            public SinkStatus status() {
                return new SinkStatus(stopped ? atStop : 0);
            }

            @Override
            public void stop() {
                stopped = true;
            }
        };
    }
}
