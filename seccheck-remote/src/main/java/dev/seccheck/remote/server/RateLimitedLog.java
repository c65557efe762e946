package dev.seccheck.remote.server;

import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.EventHandler;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * RateLimitedLog keeps a flood of one kind of problem from flooding the log: the first
 * occurrence of a kind is printed in full, the next ones in the same window are only counted, and
 * the count is printed once the window has passed ("client-0003 (pid 42): 12,345 malformed
 * packets skipped in the last 10 s (last: ...)"). A million bad packets then cost a few lines,
 * not 110 MB, and no count is lost. Not thread-safe: a server calls it from its loop thread.
 * Handlers of other consumers (the trace saver) report the connections their server refused or
 * cut through it as well, in the same words.
 */
public final class RateLimitedLog {
    /**
     * Handler is an {@link EventHandler} whose refused and cut connections are reported through
     * its {@link RateLimitedLog}, in the same words whichever consumer it is.
     */
    public interface Handler extends EventHandler {
        /** Returns the log that the connections' problems go to. */
        RateLimitedLog limitedLog();

        @Override
        default void onRefused(int id, String problem) {
            limitedLog().refused(id, problem);
        }

        @Override
        default void onCut(Connection c, String reason) {
            limitedLog().cut(c.id(), reason);
        }
    }

    /** The window of the server's logs. */
    static final long WINDOW_NANOS = 10_000_000_000L;

    private static final class Window {
        final String summary;
        long start;
        long count;
        String last;

        Window(String summary, long start) {
            this.summary = summary;
            this.start = start;
        }
    }

    private final PrintStream log;
    private final LongSupplier clock;
    private final long windowNanos;
    private final Map<String, Window> windows = new HashMap<>();

    /** Writes to {@code log}, one window of {@link #WINDOW_NANOS} per kind. */
    public RateLimitedLog(PrintStream log) {
        this(log, System::nanoTime, WINDOW_NANOS);
    }

    RateLimitedLog(PrintStream log, LongSupplier clock, long windowNanos) {
        this.log = log;
        this.clock = clock;
        this.windowNanos = windowNanos;
    }

    /**
     * Reports one occurrence of {@code kind}: printed as {@code line} if it opens a window, else
     * counted. {@code summary} is a format with the count ({@code %s}) and the seconds
     * ({@code %d}) for the line that reports the counted ones; {@code detail} describes this one.
     */
    void report(String kind, String line, String summary, String detail) {
        long now = clock.getAsLong();
        Window w = windows.get(kind);
        if (w == null) {
            windows.put(kind, new Window(summary, now));
            log.println(line);
            return;
        }
        w.count++;
        w.last = detail;
        if (now - w.start >= windowNanos) {
            flush(w, now);
        }
    }

    /** Reports a connection the server refused (failed or missing handshake, no room). */
    public void refused(int id, String problem) {
        report("refused", String.format("client-%04d refused: %s", id, problem),
                "%s more connections refused in the last %d s", String.format("client-%04d: %s", id, problem));
    }

    /** Reports a handshaked connection the server cut itself ({@code reason}: the limit or the idle timeout). */
    public void cut(int id, String reason) {
        String name = String.format("client-%04d", id);
        report("cut", name + " closed by the server: " + reason,
                "%s more connections closed by the server in the last %d s", name + ": " + reason);
    }

    /** Prints the counts of every window that has passed; called about once a second. */
    public void tick() {
        long now = clock.getAsLong();
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (now - w.start < windowNanos) {
                continue;
            }
            if (w.count == 0) {
                it.remove(); // quiet for a whole window: the next occurrence prints in full again
            } else {
                flush(w, now);
            }
        }
    }

    /** Prints and forgets the counts of every kind starting with {@code prefix} (a connection ended). */
    void finish(String prefix) {
        long now = clock.getAsLong();
        for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Window> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                if (e.getValue().count > 0) {
                    flush(e.getValue(), now);
                }
                it.remove();
            }
        }
    }

    private void flush(Window w, long now) {
        long seconds = Math.max(1, Math.round((now - w.start) / 1e9));
        log.println(String.format(w.summary, String.format("%,d", w.count), seconds) + " (last: " + w.last + ")");
        w.start = now;
        w.count = 0;
    }
}
