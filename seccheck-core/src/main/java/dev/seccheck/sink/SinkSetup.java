package dev.seccheck.sink;

/**
 * SinkSetup is what a sink's setup step prepared before the workload starts (a connected
 * endpoint, an open file). It is handed to {@link SinkDescriptor#create}; if session creation
 * fails before that, it is closed instead.
 */
public interface SinkSetup extends AutoCloseable {

    /** A setup that holds nothing. */
    SinkSetup NONE = () -> {};

    /** Releases what the setup holds; must not throw. */
    @Override
    void close();
}
