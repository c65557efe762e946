package dev.seccheck.sink;

/**
 * WritingSinkDescriptor is a {@link SinkDescriptor} whose sinks write lines to a
 * {@link Destination}: the destination is opened at setup (so a file that cannot be opened fails
 * the session before the workload starts) and handed to {@link #create(Object, Destination.Stream)}.
 *
 * @param <C> the validated configuration
 */
public interface WritingSinkDescriptor<C> extends SinkDescriptor<C> {

    /** Returns where the sink made from {@code config} writes. */
    Destination destination(C config);

    /** Creates the sink writing to the opened destination; the sink closes it at stop when it owns it. */
    Sink create(C config, Destination.Stream out);

    @Override
    default SinkSetup setup(C config) throws SinkException {
        return destination(config).open();
    }

    @Override
    default Sink create(C config, SinkSetup setup) {
        return create(config, (Destination.Stream) setup);
    }
}
