package dev.seccheck.sinks.text;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.sink.Selection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * SummarySinkDescriptor registers the {@code summary} sink ({@link SummarySink}, what
 * {@code --summary} adds). Config: {@code path}, where the tables go (a file, stderr or stdout),
 * and the text sink's {@code only_*} selection keys.
 */
public final class SummarySinkDescriptor implements SinkDescriptor<SummarySinkDescriptor.Target> {

    /** Target is where the summary goes and which calls are counted at their enter point. */
    public record Target(Destination destination, BitSet joined, Selection only) {}

    @Override
    public String name() {
        return "summary";
    }

    @Override
    public List<ConfigKey> keys() {
        List<ConfigKey> keys = new ArrayList<>();
        keys.add(new ConfigKey(Destination.KEY, "where the tables go at the end: a file (appended to), stderr (default) or stdout"));
        keys.addAll(TextOptions.SELECTION_KEYS);
        return keys;
    }

    @Override
    public Target validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly(keys().stream().map(ConfigKey::name).toArray(String[]::new));
        return new Target(Destination.from(config, null), TextSinkDescriptor.joined(sessionPoints),
                TextOptions.selection(config));
    }

    @Override
    public SinkSetup setup(Target target) throws SinkException {
        return target.destination().open();
    }

    @Override
    public Sink create(Target target, SinkSetup setup) {
        Destination.Stream opened = (Destination.Stream) setup;
        return new SummarySink(opened.out(), opened.owned(), target.joined(), target.only());
    }
}
