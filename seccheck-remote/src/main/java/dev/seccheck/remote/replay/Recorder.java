package dev.seccheck.remote.replay;

import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.Acceptor;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recorder listens like a monitoring server and writes each connecting sandbox's packets,
 * byte for byte, to its own trace file in a directory ({@code client-0001}, ...). Packets are
 * not decoded: a trace keeps exactly what was sent.
 */
public final class Recorder implements AutoCloseable {
    private final Path dir;
    private final PrintStream log;
    private Acceptor acceptor;

    private Recorder(Path dir, PrintStream log) {
        this.dir = dir;
        this.log = log;
    }

    /** Creates {@code dir} if needed, listens on {@code endpoint} and starts recording. */
    public static Recorder start(Path endpoint, Path dir, PrintStream log) throws IOException {
        Files.createDirectories(dir);
        Recorder r = new Recorder(dir, log);
        r.acceptor = Acceptor.start(endpoint, "seccheck-save-", r::record);
        return r;
    }

    /** Waits until {@link #close} was called. */
    public void awaitClose() throws InterruptedException {
        acceptor.awaitClose();
    }

    /** Stops, finishes every file and removes the socket file. */
    @Override
    public void close() {
        acceptor.close();
    }

    private void record(UnixSeqpacket socket, int id) {
        String name = String.format("client-%04d", id);
        Path file = dir.resolve(name);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            Protocol.serverHandshake(socket);
            PeerCredentials peer = socket.peerCredentials();
            log.println(name + " connected: pid " + peer.pid() + ", writing " + file);
            TraceFile.writeHeader(out, TraceFile.CONFIG);
            byte[] buf = new byte[(int) TraceFile.MAX_SIZE];
            long count = 0;
            long skipped = 0;
            while (true) {
                int n = socket.receive(buf);
                if (n == UnixSeqpacket.EOF || n == UnixSeqpacket.WOULD_BLOCK) {
                    break;
                }
                if (n > buf.length) {
                    skipped++;
                    continue;
                }
                TraceFile.writeChunk(out, java.util.Arrays.copyOf(buf, n));
                count++;
            }
            log.println(name + " disconnected: " + count + " messages saved" + (skipped > 0 ? ", " + skipped
                    + " over 1 MiB skipped" : ""));
        } catch (MalformedPacketException | IOException e) {
            log.println(name + ": " + e.getMessage());
        }
    }
}
