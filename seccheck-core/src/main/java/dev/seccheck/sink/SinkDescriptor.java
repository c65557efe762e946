package dev.seccheck.sink;

import dev.seccheck.points.PointReq;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * SinkDescriptor makes one kind of sink. Implementations are found with
 * {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/dev.seccheck.sink.SinkDescriptor}); the core never names a concrete sink.
 *
 * <p>Session creation calls {@link #validate} for every sink first, then {@link #setup} for each,
 * then {@link #create}; a failure at any step undoes the steps already done. What {@code validate}
 * returns is the sink's configuration in the descriptor's own terms ({@code C}: a record of
 * settings, compiled rules), handed unchanged to {@code setup} and {@code create}, so the
 * configuration is parsed and checked exactly once.
 *
 * @param <C> the validated configuration
 */
public interface SinkDescriptor<C> {

    /** Returns the name sessions use for this sink, e.g. {@code remote}. */
    String name();

    /**
     * Parses and checks the whole configuration, also against the points of the session the sink
     * belongs to (e.g. a rule naming a point the session does not enable), without side effects.
     *
     * @return the validated configuration, never null
     * @throws SinkException naming the bad key by its path, and the bad value
     */
    C validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException;

    /**
     * Prepares what the sink needs before the workload starts, such as connecting to a
     * monitoring process. The default prepares nothing.
     */
    default SinkSetup setup(C config) throws SinkException {
        return SinkSetup.NONE;
    }

    /** Creates the sink from its validated configuration and what {@link #setup} prepared. */
    Sink create(C config, SinkSetup setup) throws SinkException;

    /** Returns the config keys the sink accepts, in the order a user reads them; the default lists none. */
    default List<ConfigKey> keys() {
        return List.of();
    }

    /**
     * Returns a descriptor with this one's name, keys, validation and setup whose sinks are
     * {@code map} applied to the sinks this one creates (e.g. each wrapped in a filter).
     */
    default SinkDescriptor<C> mapSinks(UnaryOperator<Sink> map) {
        return new MappedSinkDescriptor<>(this, map);
    }

    /** Refuses a config key that {@link #keys()} does not list, naming the known ones. */
    default void requireKnownKeys(SinkConfig config) throws SinkException {
        config.requireOnly(keys().stream().map(ConfigKey::name).toArray(String[]::new));
    }

    /**
     * Plain is a descriptor whose sinks read their {@link SinkConfig} as it is, at setup and
     * creation; its validation accepts any configuration unless overridden.
     */
    interface Plain extends SinkDescriptor<SinkConfig> {
        @Override
        default SinkConfig validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
            return config;
        }
    }
}
