package dev.seccheck.sinks.text;

import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * TextSinkDescriptor registers the {@code text} sink. Config: {@code path} (a file to append to;
 * default stderr).
 */
public final class TextSinkDescriptor implements SinkDescriptor {

    @Override
    public String name() {
        return "text";
    }

    @Override
    public void validate(SinkConfig config) throws SinkException {
        config.requireOnly("path");
        config.string("path");
    }

    @Override
    public SinkSetup setup(SinkConfig config) throws SinkException {
        Optional<String> path = config.string("path");
        if (path.isEmpty()) {
            return new Opened(System.err, false);
        }
        try {
            return new Opened(new PrintStream(new FileOutputStream(path.get(), true), true, StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw config.error("path", "cannot open \"" + path.get() + "\" for writing: " + e.getMessage());
        }
    }

    @Override
    public Sink create(SinkConfig config, SinkSetup setup) {
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
