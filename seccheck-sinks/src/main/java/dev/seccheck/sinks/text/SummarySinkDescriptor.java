package dev.seccheck.sinks.text;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.WritingSinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.Selection;
import java.util.BitSet;
import java.util.List;

/**
 * SummarySinkDescriptor registers the {@code summary} sink ({@link SummarySink}, what
 * {@code --summary} adds). Config: {@code path}, where the tables go (a file, stderr or stdout),
 * and the text sink's {@code only_*} selection keys.
 */
public final class SummarySinkDescriptor implements WritingSinkDescriptor<SummarySinkDescriptor.Target> {

    /** Target is where the summary goes and which calls are counted at their enter point. */
    public record Target(Destination destination, BitSet joined, BitSet enabled, Selection only)
            implements WritingSinkDescriptor.Config {}

    /** The keys: where the tables go, and the text sink's selection keys. */
    private static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(Destination.KEY, "where the tables go at the end: a file (appended to), stderr (default) or stdout"),
            TextOptions.SELECTION_KEYS.get(0), TextOptions.SELECTION_KEYS.get(1), TextOptions.SELECTION_KEYS.get(2));

    @Override
    public List<ConfigKey> keys() {
        return KEYS;
    }

    @Override
    public String name() {
        return "summary";
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        requireKnownKeys(config);
        return new Target(Destination.from(config, null), TextSinkDescriptor.joined(sessionPoints),
                TextSinkDescriptor.enabled(sessionPoints), TextOptions.selection(config));
    }

    @Override
    public Sink create(Target target, Destination.Stream out) {
        return new SummarySink(out.out(), out.owned(), target.joined(), target.enabled(), target.only(),
                target.destination().name());
    }
}
