package dev.seccheck.remote.consumer;

import java.io.IOException;

/**
 * EventSource is where an {@link EventServer}'s packets come from: the socket that sandboxes
 * connect to (the default), or another transport such as a Kafka topic. A source only moves
 * packets, each exactly as the remote sink sends it (header + payload); the server decodes them
 * and dispatches to the handler the same way whatever the source, so a handler cannot tell them
 * apart.
 */
public interface EventSource {

    /**
     * Starts delivering, on the source's own thread: each packet to {@code packets}, in order for
     * each {@link Connection}, and the lifecycle calls ({@link EventHandler#onConnect},
     * {@link EventHandler#onDisconnect}, {@link EventHandler#onTick}) to {@code handler}.
     */
    Running start(Packets packets, EventHandler handler) throws IOException;

    /** Running is a started source. */
    interface Running {
        /** Returns where the packets come from, for messages (a socket path, a topic). */
        String describe();

        /** Waits until {@link #close} was called and the delivering thread ended. */
        void awaitClose() throws InterruptedException;

        /** Stops delivering; every connection gets its {@link EventHandler#onDisconnect}. */
        void close();
    }

    /** Packets is what a source hands its packets to: the server's decoder, or a recorder. */
    interface Packets {
        /** Takes the packet in {@code packet[0..length)} from connection {@code c}. */
        void packet(Connection c, byte[] packet, int length);

        /** Reports something from {@code c} that is not a packet at all; it is counted and skipped. */
        void malformed(Connection c, String problem);
    }
}
