package dev.seccheck.remote.replay;

import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.server.RateLimitedLog;
import java.io.IOException;
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
    /** A connection's file; {@code skipped} counts its records that were not packets. */
    private record File(Path path, SavedTrace trace, long[] skipped) {}

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
            Path path = dir.resolve(created.name());
            SavedTrace trace;
            try {
                trace = new SavedTrace(created.file());
            } catch (IOException e) {
                created.file().close();
                throw new IOException(path + ": " + e.getMessage(), e);
            }
            open.put(c.id(), new File(path, trace, new long[1]));
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
            f.trace().add(packet, length);
        } catch (SavedTrace.Failed e) {
            stopped(c.id(), f, e);
        }
    }

    @Override
    public void malformed(Connection c, String problem) {
        File f = open.get(c.id());
        if (f != null && f.skipped()[0]++ == 0) {
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
                e.getValue().trace().flush();
            } catch (SavedTrace.Failed ex) {
                stopped(e.getKey(), e.getValue(), ex);
            }
        }
    }

    @Override
    public void onDisconnect(Connection c) {
        File f = open.remove(c.id());
        if (f == null) {
            return; // never opened, or stopped: said so then
        }
        try {
            f.trace().close();
        } catch (SavedTrace.Failed e) {
            failed(c.id(), f, e);
            return;
        }
        log.println(String.format("client-%04d disconnected: %d messages saved to %s%s", c.id(), f.trace().saved(),
                f.path(), f.skipped()[0] > 0 ? ", " + f.skipped()[0] + " records skipped (not packets)" : ""));
    }

    /** Stops saving connection {@code id}, whose file's write failed: later packets are not saved. */
    private void stopped(int id, File f, SavedTrace.Failed e) {
        open.remove(id);
        try {
            f.trace().close();
        } catch (SavedTrace.Failed ignored) {
            // Nothing was pending: the failed write took it.
        }
        failed(id, f, e);
    }

    /** Says that writing {@code f} failed: how many messages it holds whole, and how many were lost with the failure. */
    private void failed(int id, File f, SavedTrace.Failed e) {
        log.println(String.format("client-%04d: writing %s failed, stopped: %s: %d messages saved, %d lost", id,
                f.path(), e.getMessage(), e.saved, e.lost));
    }
}
