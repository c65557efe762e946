package dev.seccheck.remote.consumer;

import dev.seccheck.linux.PeerCredentials;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection is one connected sandbox as the consumer sees it: its number (1, 2, ... in accept
 * order), the protocol version it announced, who it is, and its running totals. Totals are
 * updated by the connection's reader thread and may be read from any thread. Who it is comes
 * from the socket (its peer's pid) or, for a source without a peer process (a Kafka topic), from
 * what the source knows of the sender ({@link #source()}).
 */
public final class Connection {
    private final int id;
    private final int version;
    private final PeerCredentials peer;
    private final String source;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile long lastDropped;

    /** A connection of a socket peer, known by its credentials. */
    public Connection(int id, int version, PeerCredentials peer) {
        this(id, version, peer, "pid " + peer.pid());
    }

    /**
     * A connection whose sender is named by {@code source} (e.g. {@code run "ci-7" from host b1}),
     * for sources with no peer process to ask: {@code peer} then says "unknown" (pid 0, uid -1).
     */
    public Connection(int id, int version, PeerCredentials peer, String source) {
        this.id = id;
        this.version = version;
        this.peer = peer;
        this.source = source;
    }

    /** Returns the connection's number, from 1 in accept order. */
    public int id() {
        return id;
    }

    /** Returns the protocol version the sandbox announced. */
    public int version() {
        return version;
    }

    /** Returns the sandbox process's credentials (SO_PEERCRED). */
    public PeerCredentials peer() {
        return peer;
    }

    /** Returns who sent the connection's points, for people: {@code pid 4242}, or what the source named. */
    public String source() {
        return source;
    }

    /** Returns the messages decoded so far (known and unknown types). */
    public long messages() {
        return messages.get();
    }

    /** Returns the messages of a type this consumer does not know. */
    public long unknown() {
        return unknown.get();
    }

    /** Returns the packets that did not decode and were skipped. */
    public long malformed() {
        return malformed.get();
    }

    /** Returns the dropped count of the last header received. */
    public long lastDropped() {
        return lastDropped;
    }

    void countMessage(long dropped) {
        messages.incrementAndGet();
        lastDropped = dropped;
    }

    void countUnknown() {
        unknown.incrementAndGet();
    }

    void countMalformed() {
        malformed.incrementAndGet();
    }

    @Override
    public String toString() {
        return "client-" + String.format("%04d", id) + " (" + source + ", version " + Integer.toUnsignedString(version)
                + "): messages=" + messages() + " unknown=" + unknown() + " malformed=" + malformed()
                + " dropped=" + lastDropped;
    }
}
