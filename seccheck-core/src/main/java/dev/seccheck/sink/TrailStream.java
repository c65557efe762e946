package dev.seccheck.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * TrailStream is the stream a line-writing sink's file is opened as: a UTF-8 PrintStream that
 * flushes every write and tells whether the writes reached the file. PrintStream itself only sets
 * a flag that stays set once one write failed (a full disk, a file too large), so a trail that
 * lost lines, and one that lost them once and writes again, would look alike. Opened on a file
 * ({@link #append}), it writes each line whole or leaves no part of it there ({@link LineFile}).
 */
public final class TrailStream extends PrintStream {

    /** The file written when opened by {@link #append}, else null. */
    private final LineFile file;

    /** Writes to {@code out}, flushing each write. */
    public TrailStream(OutputStream out) {
        super(out, true, StandardCharsets.UTF_8);
        this.file = out instanceof LineFile f ? f : null;
    }

    /**
     * Opens {@code path} to append, creating it: each line (each write flushed) reaches the file
     * whole or, as far as a reader can tell, not at all ({@link LineFile}).
     */
    public static TrailStream append(String path) throws IOException {
        return new TrailStream(LineFile.append(path));
    }

    /**
     * Returns whether every write since the last call reached the file, and forgets any failure:
     * the next call answers for the writes after this one. Hold the stream's lock across a write
     * and this call to learn about that write alone.
     */
    public synchronized boolean wrote() {
        flush();
        boolean failed = checkError();
        if (failed) {
            clearError();
        }
        return !failed;
    }

    /**
     * Returns whether the writes to {@code out} since the last call reached it: {@link #wrote} for
     * a TrailStream; for any other stream (stderr, stdout) whether it never failed, as a
     * PrintStream cannot forget a failure.
     */
    public static boolean wrote(PrintStream out) {
        return out instanceof TrailStream t ? t.wrote() : !out.checkError();
    }

    /**
     * Returns why the last write to {@code out} that failed failed, as the system said it
     * ("No space left on device"), or "a write failed" when that is not known (stderr, stdout).
     */
    public static String failure(PrintStream out) {
        String why = out instanceof TrailStream t && t.file != null ? t.file.failure() : null;
        return why == null ? "a write failed" : why;
    }
}
