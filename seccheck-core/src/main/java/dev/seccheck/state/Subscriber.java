package dev.seccheck.state;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.Sink;
import java.util.List;

/**
 * Subscriber is one session as {@link PointState} sees it: the points it enables with their
 * fields, its sinks in delivery order, the gate that closes when it is deleted, and how many
 * executed binaries' hashes it wants cached ({@code execve_hash_cache_capacity}).
 */
public record Subscriber(Gate gate, List<Sink> sinks, List<PointReq> points, int execveHashCacheCapacity) {
    /** gVisor's default for {@code execve_hash_cache_capacity}. */
    public static final int DEFAULT_HASH_CACHE_CAPACITY = 512;

    public Subscriber {
        sinks = List.copyOf(sinks);
        points = List.copyOf(points);
        if (execveHashCacheCapacity < 0) {
            throw new IllegalArgumentException("execve_hash_cache_capacity must be >= 0, got " + execveHashCacheCapacity);
        }
    }

    /** A subscriber with the default hash cache capacity. */
    public Subscriber(Gate gate, List<Sink> sinks, List<PointReq> points) {
        this(gate, sinks, points, DEFAULT_HASH_CACHE_CAPACITY);
    }
}
