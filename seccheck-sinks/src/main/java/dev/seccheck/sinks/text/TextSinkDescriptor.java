package dev.seccheck.sinks.text;

import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.util.BitSet;
import java.util.List;

/**
 * TextSinkDescriptor registers the {@code text} sink. Config: {@code path} (a file to append to,
 * or {@code stderr}/{@code stdout}; default stderr) and the {@link TextOptions} keys.
 */
public final class TextSinkDescriptor implements SinkDescriptor<TextSinkDescriptor.Target> {

    /** Target is where the lines go and how they look. */
    public record Target(Destination destination, TextOptions options, BitSet joined) {}

    @Override
    public String name() {
        return "text";
    }

    @Override
    public List<ConfigKey> keys() {
        return TextOptions.KEYS;
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly(TextOptions.KEYS.stream().map(ConfigKey::name).toArray(String[]::new));
        return new Target(Destination.from(config, null), TextOptions.from(config), joined(sessionPoints));
    }

    @Override
    public SinkSetup setup(Target target) throws SinkException {
        return target.destination().open();
    }

    @Override
    public Sink create(Target target, SinkSetup setup) {
        Destination.Stream opened = (Destination.Stream) setup;
        return new TextSink(opened.out(), opened.owned(), target.options(), target.joined());
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
}
