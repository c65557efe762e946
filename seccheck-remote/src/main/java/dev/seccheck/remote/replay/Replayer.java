package dev.seccheck.remote.replay;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.io.IOException;
import java.nio.file.Path;

/** Replayer connects to a monitoring server like a sandbox and sends a trace file's packets. */
public final class Replayer {
    private Replayer() {}

    /**
     * Connects to {@code endpoint}, handshakes with the version of the trace's config (as gVisor's
     * tracereplay does: the server sees the version the file was saved with) and sends every
     * packet in order, waiting for room when the server reads slowly (nothing is dropped).
     *
     * @return the number of packets sent
     * @throws IOException when the trace's config is not a JSON object with a valid version;
     *     nothing is sent then
     */
    public static int replay(TraceFile trace, Path endpoint) throws IOException, LinuxException, MalformedPacketException {
        int version = trace.version();
        try (UnixSeqpacket socket = UnixSeqpacket.connect(endpoint)) {
            Protocol.clientHandshake(socket, version);
            Poll poll = new Poll();
            for (byte[] p : trace.packets()) {
                while (socket.send(p) == UnixSeqpacket.WOULD_BLOCK) {
                    poll.poll(socket.fd(), Poll.POLLOUT, -1);
                }
            }
            return trace.packets().size();
        }
    }
}
