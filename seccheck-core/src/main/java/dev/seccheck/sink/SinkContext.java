package dev.seccheck.sink;

import java.util.Optional;

/**
 * SinkContext is what a sink's setup may know of where its session lives, beyond its own
 * configuration: the run the session belongs to, and whether that run's program may be running
 * already. A sink that labels what it sends (the kafka sink keys its records by run) reads it at
 * {@link SinkDescriptor#setup(Object, SinkContext)}; the core fills it without knowing which sink
 * wants it.
 *
 * @param runId the run's id: what its points report as the {@code container_id} context field and
 *     {@code container/start} reports as its id; empty when the sessions belong to no run (a
 *     library user, a test, a benchmark)
 * @param programMayRun whether the run's program may have started (a session made over the control
 *     socket): a path a sink opens then may be one the program made or holds open, so a file
 *     sink writes only to what the program cannot read through it ({@link Destination#open(SinkContext)})
 */
public record SinkContext(Optional<String> runId, boolean programMayRun) {

    /** Sessions that belong to no run. */
    public static final SinkContext NONE = new SinkContext(Optional.empty(), false);

    public SinkContext {
        if (runId.isPresent() && runId.get().isEmpty()) {
            throw new IllegalArgumentException("a run id must not be empty");
        }
    }

    /** Returns the context of the sessions of run {@code runId} made before its program starts. */
    public static SinkContext ofRun(String runId) {
        return new SinkContext(Optional.of(runId), false);
    }

    /** Returns this context for sessions made once the program may be running. */
    public SinkContext whileProgramMayRun() {
        return new SinkContext(runId, true);
    }
}
