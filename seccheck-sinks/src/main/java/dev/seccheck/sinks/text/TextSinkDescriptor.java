package dev.seccheck.sinks.text;

import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.WritingSinkDescriptor;
import dev.seccheck.sink.SinkException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * TextSinkDescriptor registers the {@code text} sink. Config: {@code path} (a file to append to,
 * or {@code stderr}/{@code stdout}; default stderr) and the {@link TextOptions} keys.
 */
public final class TextSinkDescriptor implements WritingSinkDescriptor<TextSinkDescriptor.Target> {

    /** Target is where the lines go, how they look, and what a line the stream does not take does. */
    public record Target(Destination destination, TextOptions options, BitSet joined, OnDrop onDrop)
            implements WritingSinkDescriptor.Config {}

    /** The keys: the text options' and {@code on_drop}. */
    private static final List<ConfigKey> KEYS;

    static {
        List<ConfigKey> keys = new ArrayList<>(TextOptions.KEYS);
        keys.add(new ConfigKey(OnDrop.KEY, "what a line the file or stream does not take (a full disk) does to its"
                + " operation: count (default), deny (fails it, EPERM) or kill (kills its process)"));
        KEYS = List.copyOf(keys);
    }

    @Override
    public String name() {
        return "text";
    }

    @Override
    public List<ConfigKey> keys() {
        return KEYS;
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        requireKnownKeys(config);
        return new Target(Destination.from(config, null), TextOptions.from(config), joined(sessionPoints),
                OnDrop.parse(config));
    }

    @Override
    public Sink create(Target target, Destination.Stream out) {
        return new TextSink(out.out(), out.owned(), target.options(), target.joined(), target.onDrop(),
                target.destination().name());
    }

    /** Returns the ids of the session's points. */
    static BitSet enabled(List<PointReq> points) {
        BitSet enabled = new BitSet();
        for (PointReq r : points) {
            enabled.set(r.point().id());
        }
        return enabled;
    }

    /** Returns the ids of the enter points whose exit the session enables too: their calls print as one line. */
    static BitSet joined(List<PointReq> points) {
        BitSet enabled = enabled(points);
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
