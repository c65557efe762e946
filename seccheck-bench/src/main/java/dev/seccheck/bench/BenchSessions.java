package dev.seccheck.bench;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;

/**
 * BenchSessions sets up the sessions benchmarks measure against the way a run does: parsed from
 * session JSON against the standard catalog, with the sinks the service loader finds.
 */
final class BenchSessions {
    private BenchSessions() {}

    /** Returns a parser of session JSON, as the CLI makes one. */
    static SessionConfigParser parser() {
        return new SessionConfigParser(Catalog.standard(), SinkRegistry.discover());
    }

    /** Returns a session manager over {@code state} in which the session {@code json} is created. */
    static SessionManager managerWith(PointState state, SessionConfigParser parser, String json) throws Exception {
        SessionManager manager = new SessionManager(state, w -> {});
        manager.create(parser.parse(json), false);
        return manager;
    }

    /** Returns a point state in which the session {@code json} is created. */
    static PointState stateWith(String json) throws Exception {
        PointState state = new PointState();
        managerWith(state, parser(), json);
        return state;
    }

    /** Returns the standard catalog's point of that name. */
    static Point point(String name) {
        return Catalog.standard().byName(name).orElseThrow().point();
    }
}
