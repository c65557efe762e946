package dev.seccheck.session;

import dev.seccheck.sink.Sink;
import dev.seccheck.state.Gate;
import java.util.List;

/** Session is a live session: its configuration, the sinks made for it, and its gate. */
final class Session {
    final SessionConfig config;
    final List<Sink> sinks;
    final Gate gate = new Gate();

    Session(SessionConfig config, List<Sink> sinks) {
        this.config = config;
        this.sinks = List.copyOf(sinks);
    }

    SessionInfo info() {
        return new SessionInfo(config.name(), config.points().size(),
                sinks.stream().map(s -> new SessionInfo.SinkInfo(s.name(), s.status())).toList());
    }
}
