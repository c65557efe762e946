package dev.seccheck.sinks.text;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * TextSinkDescriptor registers the {@code text} sink. Config: {@code path} (a file to append to;
 * default stderr).
 */
public final class TextSinkDescriptor implements SinkDescriptor<TextSinkDescriptor.Target> {

    /** Target is where the lines go: the file {@code path} names (with its config path, for errors), or stderr. */
    public record Target(Optional<ConfigValue.Text> file) {}

    @Override
    public String name() {
        return "text";
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly("path");
        config.string("path");
        return new Target(config.value("path").map(ConfigValue.Text.class::cast));
    }

    @Override
    public SinkSetup setup(Target target) throws SinkException {
        if (target.file().isEmpty()) {
            return new Opened(System.err, false);
        }
        ConfigValue.Text file = target.file().get();
        try {
            return new Opened(new PrintStream(new FileOutputStream(file.value(), true), true, StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw file.error("cannot open \"" + file.value() + "\" for writing: " + e.getMessage());
        }
    }

    @Override
    public Sink create(Target target, SinkSetup setup) {
        Opened opened = (Opened) setup;
        return new TextSink(opened.out, opened.owned);
    }

    private record Opened(PrintStream out, boolean owned) implements SinkSetup {
        @Override
        public void close() {
            if (owned) {
                out.close();
            }
        }
    }
}
