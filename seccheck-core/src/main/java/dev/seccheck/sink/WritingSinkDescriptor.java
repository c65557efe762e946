package dev.seccheck.sink;

/**
 * WritingSinkDescriptor is a {@link SinkDescriptor} whose sinks write lines to a
 * {@link Destination}: the destination is opened at setup (so a file that cannot be opened fails
 * the session before the workload starts) and handed to {@link #create(Object, Destination.Stream)}.
 *
 * @param <C> the validated configuration, which says where its sink writes
 */
public interface WritingSinkDescriptor<C extends WritingSinkDescriptor.Config> extends SinkDescriptor<C> {

    /** Config is a validated configuration of a writing sink: it names where the sink writes. */
    interface Config {
        /** Returns where the sink made from this configuration writes. */
        Destination destination();
    }

    /** Creates the sink writing to the opened destination; the sink closes it at stop when it owns it. */
    Sink create(C config, Destination.Stream out);

    @Override
    default SinkSetup setup(C config) throws SinkException {
        return config.destination().open();
    }

    @Override
    default SinkSetup setup(C config, SinkContext context) throws SinkException {
        return config.destination().open(context);
    }

    @Override
    default Sink create(C config, SinkSetup setup) {
        return create(config, (Destination.Stream) setup);
    }
}
