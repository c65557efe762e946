package dev.seccheck.remote.replay;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.nio.file.Path;

/** Replayer connects to a monitoring server like a sandbox and sends a trace file's packets. */
public final class Replayer {
    private Replayer() {}

    /**
     * Connects to {@code endpoint}, handshakes and sends every packet in order, waiting for room
     * when the server reads slowly (nothing is dropped).
     *
     * @return the number of packets sent
     */
    public static int replay(TraceFile trace, Path endpoint) throws LinuxException, MalformedPacketException {
        try (UnixSeqpacket socket = UnixSeqpacket.connect(endpoint)) {
            Protocol.clientHandshake(socket);
            Poll poll = new Poll();
            for (byte[] p : trace.packets()) {
                while (socket.send(p) == UnixSeqpacket.WOULD_BLOCK) {
                    poll.poll(socket.fd(), (short) 4 /* POLLOUT */, -1);
                }
            }
            return trace.packets().size();
        }
    }
}
