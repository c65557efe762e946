package dev.seccheck.remote.replay;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

/** Replayer connects to a monitoring server like a sandbox and sends a trace file's packets. */
public final class Replayer {
    private Replayer() {}

    /** {@link #replay(TraceReader, Path)} for a trace in memory. */
    public static int replay(TraceFile trace, Path endpoint) throws IOException, LinuxException, MalformedPacketException {
        try (TraceReader reader = new TraceReader(new ByteArrayInputStream(trace.toBytes()))) {
            return replay(reader, endpoint);
        }
    }

    /**
     * Connects to {@code endpoint}, handshakes with the version of the trace's config (as gVisor's
     * tracereplay does: the server sees the version the file was saved with) and sends every
     * packet in order as it reads it, waiting for room when the server reads slowly (nothing is
     * dropped). One packet is in memory at a time, whatever the file's size.
     *
     * @return the number of packets sent
     * @throws IOException when the trace's config is not a JSON object with a valid version
     *     (nothing is sent then), or when the file is damaged after some packets: those were sent,
     *     and the message says how many and where the damage is
     */
    public static int replay(TraceReader trace, Path endpoint) throws IOException, LinuxException, MalformedPacketException {
        int version = trace.version();
        try (UnixSeqpacket socket = UnixSeqpacket.connect(endpoint)) {
            Protocol.clientHandshake(socket, version);
            Poll poll = new Poll();
            while (next(trace)) {
                while (socket.send(trace.packet(), 0, trace.length()) == UnixSeqpacket.WOULD_BLOCK) {
                    poll.poll(socket.fd(), Poll.POLLOUT, -1);
                }
            }
            return trace.count();
        }
    }

    private static boolean next(TraceReader trace) throws IOException {
        try {
            return trace.next();
        } catch (IOException e) {
            throw new IOException("sent " + trace.count() + " messages, then stopped: " + e.getMessage(), e);
        }
    }
}
