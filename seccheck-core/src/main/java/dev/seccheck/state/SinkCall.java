package dev.seccheck.state;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;

/**
 * SinkCall hands one message to one sink, e.g. {@code (sink, fields, msg) -> sink.clone(fields, msg)}.
 *
 * @param <M> the message type
 */
@FunctionalInterface
public interface SinkCall<M> {
    /** Delivers {@code msg} to {@code sink}; throws to deny the checked operation. */
    void deliver(Sink sink, FieldSet fields, M msg) throws SecurityCheckException;
}
