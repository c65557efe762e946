package dev.seccheck.session;

import dev.seccheck.points.PointReq;
import java.util.List;

/**
 * SessionConfig is a parsed, validated session: its name, the points it enables with their
 * fields, and the sinks that receive them in order.
 */
public record SessionConfig(String name, List<PointReq> points, List<SinkSpec> sinks, SessionOptions options) {
    public SessionConfig {
        points = List.copyOf(points);
        sinks = List.copyOf(sinks);
    }
}
