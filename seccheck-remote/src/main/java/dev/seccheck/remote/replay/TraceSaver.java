package dev.seccheck.remote.replay;

import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.server.RateLimitedLog;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * TraceSaver writes the packets of any {@link EventSource} (the socket sandboxes connect to, a
 * Kafka topic) to trace files, one per connection ({@code client-0001}, ...), byte for byte as the
 * source delivers them. Files are only ever created new, never truncated or written through a
 * link ({@link TraceDirectory}). Every call comes from the source's one thread; files are flushed about
 * once a second and closed when their connection ends or the source stops. Connections the
 * source refused or cut are logged through a {@link RateLimitedLog}, so a flood of them costs a
 * few lines.
 */
public final class TraceSaver implements EventSource.Packets, RateLimitedLog.Handler {
    private record File(Path path, OutputStream out, long[] counts) {}

    private final Path dir;
    private final TraceDirectory files;
    private final PrintStream log;
    private final RateLimitedLog limited;
    private final Map<Integer, File> open = new HashMap<>();

    /**
     * Writes into {@code dir}, created if needed; notes go to {@code log}.
     *
     * @throws IOException when {@code dir} is not a directory the saving user alone controls
     *     ({@link TraceDirectory#open})
     */
    public TraceSaver(Path dir, PrintStream log) throws IOException {
        this.dir = dir;
        this.files = TraceDirectory.open(dir);
        this.log = log;
        this.limited = new RateLimitedLog(log);
    }

    @Override
    public void onConnect(Connection c) {
        try {
            TraceDirectory.Created created = files.create();
            OutputStream out = new BufferedOutputStream(created.out());
            Path path = dir.resolve(created.name());
            TraceFile.writeHeader(out, TraceFile.CONFIG);
            open.put(c.id(), new File(path, out, new long[2]));
            log.println(String.format("client-%04d connected: %s, writing %s", c.id(), c.source(), path));
        } catch (IOException e) {
            log.println(String.format("client-%04d: cannot write a trace file in %s: %s", c.id(), dir, e.getMessage()));
        }
    }

    @Override
    public void packet(Connection c, byte[] packet, int length) {
        File f = open.get(c.id());
        if (f == null) {
            return; // its file could not be opened; said so at connect
        }
        try {
            TraceFile.writeChunk(f.out(), packet, length);
            f.counts()[0]++;
        } catch (IOException e) {
            log.println(String.format("client-%04d: writing %s failed, stopped: %s", c.id(), f.path(), e.getMessage()));
            close(c.id());
        }
    }

    @Override
    public void malformed(Connection c, String problem) {
        File f = open.get(c.id());
        if (f != null && f.counts()[1]++ == 0) {
            log.println(String.format("client-%04d: skipped, not a packet: %s", c.id(), problem));
        }
    }

    @Override
    public RateLimitedLog limitedLog() {
        return limited;
    }

    @Override
    public void onTick() {
        limited.tick();
        for (Map.Entry<Integer, File> e : Map.copyOf(open).entrySet()) {
            try {
                e.getValue().out().flush();
            } catch (IOException ex) {
                log.println(String.format("client-%04d: flushing %s failed, stopped: %s", e.getKey(),
                        e.getValue().path(), ex.getMessage()));
                close(e.getKey());
            }
        }
    }

    @Override
    public void onDisconnect(Connection c) {
        File f = open.get(c.id());
        if (f != null) {
            close(c.id());
            log.println(String.format("client-%04d disconnected: %d messages saved to %s%s", c.id(), f.counts()[0],
                    f.path(), f.counts()[1] > 0 ? ", " + f.counts()[1] + " records skipped (not packets)" : ""));
        }
    }

    private void close(int id) {
        File f = open.remove(id);
        if (f != null) {
            try {
                f.out().close();
            } catch (IOException e) {
                log.println(String.format("client-%04d: closing %s: %s", id, f.path(), e.getMessage()));
            }
        }
    }
}
