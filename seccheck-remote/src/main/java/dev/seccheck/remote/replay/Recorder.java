package dev.seccheck.remote.replay;

import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.consumer.ServerLimits;
import dev.seccheck.remote.consumer.SocketSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Recorder listens like a monitoring server and writes each connecting sandbox's packets, byte
 * for byte, to its own trace file in a directory ({@code client-0001}, ...). Packets are not
 * decoded: a trace keeps exactly what was sent. It is a {@link TraceSaver} on a
 * {@link SocketSource}, so it serves every connection from one thread with one packet buffer,
 * within the same {@link ServerLimits} as the monitoring server: idle or hostile peers cost a
 * socket and a file each, not a thread and a 1 MiB buffer.
 */
public final class Recorder implements AutoCloseable {
    private final EventSource.Running source;

    private Recorder(EventSource.Running source) {
        this.source = source;
    }

    /** Creates {@code dir} if needed, listens on {@code endpoint} and starts recording, within {@link ServerLimits#DEFAULT}. */
    public static Recorder start(Path endpoint, Path dir, PrintStream log) throws IOException {
        return start(endpoint, dir, log, ServerLimits.DEFAULT);
    }

    /** Creates {@code dir} if needed, listens on {@code endpoint} and starts recording within {@code limits}. */
    public static Recorder start(Path endpoint, Path dir, PrintStream log, ServerLimits limits) throws IOException {
        return start(endpoint, new TraceSaver(dir, log), limits);
    }

    /** Listens on {@code endpoint} and starts recording into {@code saver} within {@code limits}. */
    public static Recorder start(Path endpoint, TraceSaver saver, ServerLimits limits) throws IOException {
        return new Recorder(new SocketSource(endpoint, limits).start(saver, saver));
    }

    /** Waits until {@link #close} was called. */
    public void awaitClose() throws InterruptedException {
        source.awaitClose();
    }

    /** Stops, finishes every file and removes the socket file. */
    @Override
    public void close() {
        source.close();
    }
}
