package dev.seccheck.sink;

import dev.seccheck.points.PointReq;
import java.util.List;

/**
 * SinkDescriptor makes one kind of sink. Implementations are found with
 * {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/dev.seccheck.sink.SinkDescriptor}); the core never names a concrete sink.
 *
 * <p>Session creation calls {@link #validate} for every sink first, then {@link #setup} for each,
 * then {@link #create}; a failure at any step undoes the steps already done.
 */
public interface SinkDescriptor {

    /** Returns the name sessions use for this sink, e.g. {@code remote}. */
    String name();

    /**
     * Checks the whole configuration without side effects.
     *
     * @throws SinkException naming the bad key and value
     */
    default void validate(SinkConfig config) throws SinkException {}

    /**
     * Checks the configuration against the points of the session the sink belongs to (e.g. a rule
     * naming a point the session does not enable). The default checks the configuration alone.
     */
    default void validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        validate(config);
    }

    /**
     * Prepares what the sink needs before the workload starts, such as connecting to a
     * monitoring process. The default prepares nothing.
     */
    default SinkSetup setup(SinkConfig config) throws SinkException {
        return SinkSetup.NONE;
    }

    /** Creates the sink from its configuration and what {@link #setup} prepared. */
    Sink create(SinkConfig config, SinkSetup setup) throws SinkException;
}
