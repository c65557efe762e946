package dev.seccheck.state;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.Sink;
import java.util.List;

/**
 * Subscriber is one session as {@link PointState} sees it: the points it enables with their
 * fields, its sinks in delivery order, and the gate that closes when it is deleted.
 */
public record Subscriber(Gate gate, List<Sink> sinks, List<PointReq> points) {
    public Subscriber {
        sinks = List.copyOf(sinks);
        points = List.copyOf(points);
    }
}
