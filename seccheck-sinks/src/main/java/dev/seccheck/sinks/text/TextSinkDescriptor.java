package dev.seccheck.sinks.text;

import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallType;
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
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * TextSinkDescriptor registers the {@code text} sink. Config: {@code path} (a file to append to,
 * or {@code stderr}/{@code stdout}; default stderr) and the {@link TextOptions} keys.
 */
public final class TextSinkDescriptor implements SinkDescriptor<TextSinkDescriptor.Target> {

    /**
     * Target is where the lines go (the file {@code path} names, with its config path for errors;
     * empty for stderr or stdout) and how they look.
     */
    public record Target(Optional<ConfigValue.Text> file, boolean stdout, TextOptions options, BitSet joined) {}

    @Override
    public String name() {
        return "text";
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly(TextOptions.KEYS.toArray(String[]::new));
        Optional<String> path = config.string("path");
        TextOptions options = TextOptions.from(config);
        BitSet joined = joined(sessionPoints);
        if (path.isPresent() && (path.get().equals("stderr") || path.get().equals("stdout"))) {
            return new Target(Optional.empty(), path.get().equals("stdout"), options, joined);
        }
        return new Target(config.value("path").map(ConfigValue.Text.class::cast), false, options, joined);
    }

    @Override
    public SinkSetup setup(Target target) throws SinkException {
        if (target.file().isEmpty()) {
            return new Opened(target.stdout() ? System.out : System.err, false);
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
        return new TextSink(opened.out, opened.owned, target.options(), target.joined());
    }

    /** Returns the ids of the enter points whose exit the session enables too: their calls print as one line. */
    static BitSet joined(List<PointReq> points) {
        BitSet enabled = new BitSet();
        for (PointReq r : points) {
            enabled.set(r.point().id());
        }
        BitSet joined = new BitSet();
        for (PointReq r : points) {
            Point p = r.point();
            if (p.isSyscall() && !p.syscallType().isExit()) {
                SyscallType exit = p.syscallType().isRaw() ? SyscallType.RAW_EXIT : SyscallType.EXIT;
                if (enabled.get(Point.syscallId(exit, p.sysno()))) {
                    joined.set(p.id());
                }
            }
        }
        return joined;
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
