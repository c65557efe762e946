package dev.seccheck.sink;

import dev.seccheck.points.PointReq;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * MappedSinkDescriptor is {@link SinkDescriptor#mapSinks}: {@code inner}'s name, keys,
 * validation and setup, with each sink {@code inner} creates passed through {@code map}.
 */
record MappedSinkDescriptor<C>(SinkDescriptor<C> inner, UnaryOperator<Sink> map) implements SinkDescriptor<C> {
    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public C validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        return inner.validate(config, sessionPoints);
    }

    @Override
    public SinkSetup setup(C config) throws SinkException {
        return inner.setup(config);
    }

    @Override
    public Sink create(C config, SinkSetup setup) throws SinkException {
        return map.apply(inner.create(config, setup));
    }

    @Override
    public List<ConfigKey> keys() {
        return inner.keys();
    }
}
