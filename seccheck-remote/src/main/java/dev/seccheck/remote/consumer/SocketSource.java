package dev.seccheck.remote.consumer;

import dev.seccheck.linux.LinuxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * SocketSource is the socket that sandboxes connect to, as an {@link EventSource}: one thread
 * accepts, handshakes and reads every connection within {@link ServerLimits} (see
 * {@code ConnectionLoop}), so what it costs is bounded whatever the peers do. {@link EventServer}
 * decodes its packets; a recorder takes them raw.
 *
 * @param endpoint the socket path created when the source starts and removed when it stops
 * @param limits the connection limit, idle and handshake timeouts and packet size
 */
public record SocketSource(Path endpoint, ServerLimits limits) implements EventSource {
    public SocketSource {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(limits, "limits");
    }

    /** Creates the socket file and starts accepting on the source's own thread. */
    @Override
    public Running start(Packets packets, EventHandler handler) throws LinuxException {
        ConnectionLoop loop = new ConnectionLoop(endpoint, limits, handler, packets);
        loop.start();
        return loop;
    }
}
