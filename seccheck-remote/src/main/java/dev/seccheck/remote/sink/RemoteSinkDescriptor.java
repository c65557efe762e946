package dev.seccheck.remote.sink;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.points.PointReq;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.util.List;

/**
 * RemoteSinkDescriptor makes the {@code remote} sink: setup connects to the endpoint and
 * handshakes (so {@code ignore_setup_error} covers a server that is down), create wraps the
 * connection. The configuration is parsed once, by validate, and the {@link RemoteConfig} it
 * returns is what setup and create use.
 */
public final class RemoteSinkDescriptor implements SinkDescriptor<RemoteConfig> {

    @Override
    public String name() {
        return "remote";
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(new ConfigKey("endpoint", "the server's socket path (required, at most 107 bytes)"),
                new ConfigKey("retries", "tries on a full socket before the point is dropped (default 100; gVisor's 0)"),
                new ConfigKey("backoff", "the first wait between tries, doubling (default 25us)"),
                new ConfigKey("backoff_max", "the longest wait between tries (default 10ms)"),
                new ConfigKey("on_drop", "what a point dropped does to its operation: count (default, gVisor's),"
                        + " deny (fails it, EPERM) or kill (kills its process)"));
    }

    @Override
    public RemoteConfig validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        return RemoteConfig.parse(config);
    }

    @Override
    public SinkSetup setup(RemoteConfig c) throws SinkException {
        UnixSeqpacket socket;
        try {
            socket = UnixSeqpacket.connect(c.endpoint());
        } catch (LinuxException e) {
            throw new SinkException("remote sink: " + e.getMessage(), e);
        }
        try {
            return new RemoteSetup(socket, Protocol.clientHandshake(socket));
        } catch (LinuxException | MalformedPacketException e) {
            socket.close();
            throw new SinkException("remote sink: handshake with " + c.endpoint() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Sink create(RemoteConfig config, SinkSetup setup) throws SinkException {
        if (!(setup instanceof RemoteSetup s)) {
            throw new SinkException("remote sink: created without a connection (setup did not run)");
        }
        return new RemoteSink(config, s.socket());
    }
}
