package dev.seccheck.session;

import dev.seccheck.sink.SinkStatus;
import java.util.List;

/** SessionInfo describes a live session for {@code trace list}: its name and its sinks' counters. */
public record SessionInfo(String name, int pointCount, List<SinkInfo> sinks) {

    /** SinkInfo is one sink of a session with its counters. */
    public record SinkInfo(String name, SinkStatus status) {}

    public SessionInfo {
        sinks = List.copyOf(sinks);
    }
}
