package dev.seccheck.remote.sink;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.sink.SinkSetup;

/** RemoteSetup is a connection to the monitoring server on which the handshake is done. */
record RemoteSetup(UnixSeqpacket socket, int serverVersion) implements SinkSetup {
    @Override
    public void close() {
        socket.close();
    }
}
