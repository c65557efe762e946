package dev.seccheck.sinks.nul;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.util.List;

/**
 * NullSink accepts every point and does nothing with it: the baseline for measuring what
 * collecting points costs, and a way to enable points without a consumer.
 */
public final class NullSink implements Sink {

    /** Descriptor registering the sink as {@code null}. */
    public static final class Descriptor implements SinkDescriptor.Plain {
        @Override
        public String name() {
            return "null";
        }

        @Override
        public SinkConfig validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
            config.requireOnly();
            return config;
        }

        @Override
        public Sink create(SinkConfig config, SinkSetup setup) {
            return new NullSink();
        }
    }

    @Override
    public String name() {
        return "null";
    }
}
