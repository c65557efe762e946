package dev.seccheck.remote.consumer;

import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.WireHeader;
import java.time.Duration;

/**
 * ServerLimits bounds what an {@link EventServer} spends on its untrusted peers: how many
 * connections it holds, how long a connection may stay silent, how long a handshake may take and
 * how large a packet may be. Memory is then bounded by {@code maxConnections} small objects plus
 * one packet buffer, whatever the peers do.
 *
 * @param maxConnections connections held at once, handshaking or not; at the limit a new one
 *     replaces the connection that has been silent longest
 * @param idleTimeout a handshaked connection silent this long is closed; {@link Duration#ZERO}: never
 * @param handshakeTimeout a connection that has not handshaked within this is refused
 * @param maxPacket the largest packet accepted; longer ones are counted as malformed and skipped
 */
public record ServerLimits(int maxConnections, Duration idleTimeout, Duration handshakeTimeout, int maxPacket) {
    /** The largest packet the protocol allows (gVisor's limit too). */
    public static final int MAX_PACKET = 1 << 20;
    /** The default connection limit: far above the sandboxes of one host, far below memory trouble. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    /** The defaults: 1024 connections, no idle timeout, gVisor's 10 s handshake, 1 MiB packets. */
    public static final ServerLimits DEFAULT = new ServerLimits(DEFAULT_MAX_CONNECTIONS, Duration.ZERO,
            Duration.ofMillis(Protocol.HANDSHAKE_TIMEOUT_MILLIS), MAX_PACKET);

    public ServerLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("connection limit must be at least 1, got " + maxConnections);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idle timeout must not be negative, got " + idleTimeout);
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive, got " + handshakeTimeout);
        }
        if (maxPacket < WireHeader.SIZE || maxPacket > MAX_PACKET) {
            throw new IllegalArgumentException("packet limit " + maxPacket + " outside " + WireHeader.SIZE + ".."
                    + MAX_PACKET);
        }
    }

    /** Returns these limits with another connection limit. */
    public ServerLimits withMaxConnections(int n) {
        return new ServerLimits(n, idleTimeout, handshakeTimeout, maxPacket);
    }

    /** Returns these limits with another idle timeout ({@link Duration#ZERO}: none). */
    public ServerLimits withIdleTimeout(Duration d) {
        return new ServerLimits(maxConnections, d, handshakeTimeout, maxPacket);
    }

    /** Returns these limits with another packet limit. */
    public ServerLimits withMaxPacket(int bytes) {
        return new ServerLimits(maxConnections, idleTimeout, handshakeTimeout, bytes);
    }
}
