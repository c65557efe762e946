package dev.seccheck.remote.consumer;

import dev.seccheck.linux.PeerCredentials;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection is one connected sandbox as the consumer sees it: its number (1, 2, ... in accept
 * order), the protocol version it announced, who it is, and its running totals. Totals are
 * updated by the connection's reader thread and may be read from any thread.
 */
public final class Connection {
    private final int id;
    private final int version;
    private final PeerCredentials peer;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile long lastDropped;

    public Connection(int id, int version, PeerCredentials peer) {
        this.id = id;
        this.version = version;
        this.peer = peer;
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
        return "client-" + String.format("%04d", id) + " (pid " + peer.pid() + ", version " + version
                + "): messages=" + messages() + " unknown=" + unknown() + " malformed=" + malformed()
                + " dropped=" + lastDropped;
    }
}
