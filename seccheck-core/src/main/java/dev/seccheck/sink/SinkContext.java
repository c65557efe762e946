package dev.seccheck.sink;

import java.util.Optional;

/**
 * SinkContext is what a sink's setup may know of where its session lives, beyond its own
 * configuration: today the run the session belongs to. A sink that labels what it sends (the
 * kafka sink keys its records by run) reads it at {@link SinkDescriptor#setup(Object, SinkContext)};
 * the core fills it without knowing which sink wants it.
 *
 * @param runId the run's id: what its points report as the {@code container_id} context field and
 *     {@code container/start} reports as its id; empty when the sessions belong to no run (a
 *     library user, a test, a benchmark)
 */
public record SinkContext(Optional<String> runId) {

    /** Sessions that belong to no run. */
    public static final SinkContext NONE = new SinkContext(Optional.empty());

    public SinkContext {
        if (runId.isPresent() && runId.get().isEmpty()) {
            throw new IllegalArgumentException("a run id must not be empty");
        }
    }

    /** Returns the context of the sessions of run {@code runId}. */
    public static SinkContext ofRun(String runId) {
        return new SinkContext(Optional.of(runId));
    }
}
