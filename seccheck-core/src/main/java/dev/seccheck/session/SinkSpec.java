package dev.seccheck.session;

import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;

/**
 * SinkSpec is one entry of a session's {@code sinks}: which kind of sink, its configuration, and
 * whether the session may start without it when its setup fails.
 */
public record SinkSpec(SinkDescriptor<?> descriptor, SinkConfig config, boolean ignoreSetupError) {
    /** Returns the sink kind's name. */
    public String name() {
        return descriptor.name();
    }
}
