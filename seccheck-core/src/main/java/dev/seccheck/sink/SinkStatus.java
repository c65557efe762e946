package dev.seccheck.sink;

/** SinkStatus holds a sink's counters, as shown by {@code trace list}. */
public record SinkStatus(long dropped) {
    /** A status with nothing dropped. */
    public static final SinkStatus NONE = new SinkStatus(0);
}
