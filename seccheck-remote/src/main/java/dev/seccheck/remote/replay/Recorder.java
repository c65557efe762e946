package dev.seccheck.remote.replay;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recorder listens like a monitoring server and writes each connecting sandbox's packets,
 * byte for byte, to its own trace file in a directory ({@code client-0001}, ...). Packets are
 * not decoded: a trace keeps exactly what was sent.
 */
public final class Recorder implements AutoCloseable {
    private final Path endpoint;
    private final Path dir;
    private final PrintStream log;
    private final UnixSeqpacket listener;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Set<UnixSeqpacket> open = ConcurrentHashMap.newKeySet();
    private final Set<Thread> writers = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closing;

    private Recorder(Path endpoint, Path dir, PrintStream log) throws LinuxException {
        this.endpoint = endpoint;
        this.dir = dir;
        this.log = log;
        this.listener = UnixSeqpacket.listen(endpoint, 128);
        this.acceptor = Thread.ofPlatform().name("seccheck-save-accept").daemon().unstarted(this::acceptLoop);
    }

    /** Creates {@code dir} if needed, listens on {@code endpoint} and starts recording. */
    public static Recorder start(Path endpoint, Path dir, PrintStream log) throws IOException {
        Files.createDirectories(dir);
        Recorder r = new Recorder(endpoint, dir, log);
        r.acceptor.start();
        return r;
    }

    /** Waits until {@link #close} was called. */
    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    /** Stops, finishes every file and removes the socket file. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        listener.shutdown();
        open.forEach(UnixSeqpacket::shutdown);
        try {
            acceptor.join();
            for (Thread t : writers) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        try {
            Files.deleteIfExists(endpoint);
        } catch (IOException e) {
            // Best effort, as for the server.
        }
    }

    private void acceptLoop() {
        while (!closing) {
            UnixSeqpacket conn;
            try {
                conn = listener.accept();
            } catch (LinuxException e) {
                if (closing) {
                    return;
                }
                continue;
            }
            if (conn == null) {
                continue;
            }
            open.add(conn);
            int id = nextId.getAndIncrement();
            Thread t = Thread.ofPlatform().name("seccheck-save-" + id).daemon().unstarted(() -> record(conn, id));
            writers.add(t);
            t.start();
        }
    }

    private void record(UnixSeqpacket socket, int id) {
        String name = String.format("client-%04d", id);
        Path file = dir.resolve(name);
        try (socket; OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
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
        } finally {
            open.remove(socket);
            writers.remove(Thread.currentThread());
        }
    }
}
