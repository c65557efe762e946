package dev.seccheck.state;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.sink.Sink;
import java.util.List;

/**
 * Route says that one session receives a point: through which sinks, in order, and with which
 * fields. Routes are immutable and published in a {@link Routing} snapshot.
 */
record Route(Gate gate, Sink[] sinks, FieldSet fields) {
    Route(Gate gate, List<Sink> sinks, FieldSet fields) {
        this(gate, sinks.toArray(Sink[]::new), fields);
    }
}
