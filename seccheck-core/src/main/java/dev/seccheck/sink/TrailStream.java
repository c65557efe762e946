package dev.seccheck.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * TrailStream is the stream a line-writing sink's file is opened as: a UTF-8 PrintStream that
 * flushes every write and tells whether the writes reached the file. PrintStream itself only sets
 * a flag that stays set once one write failed (a full disk, a file too large), so a trail that
 * lost lines, and one that lost them once and writes again, would look alike. Opened on a file
 * ({@link #append}), it writes each line whole, in one write, or leaves no part of it there
 * ({@link LineFile}); the start of a line waits in memory for its end ({@link #holdsParts}).
 *
 * <p>Every opener of one file in this process (whatever path names it) gets the same stream, so
 * that {@link SharedLines} orders their lines as it does on stderr: with a stream each, a policy
 * alert, or a second text sink's line, landed in the middle of a call line left open for its
 * result. The file is closed when its last opener closes it.
 */
public final class TrailStream extends PrintStream {
    private static final String NEWLINE = System.lineSeparator();

    /** The streams open on files, by device and inode; guarded by itself. */
    private static final Map<Object, TrailStream> OPEN = new HashMap<>();

    /** The file written when opened by {@link #append}, else null. */
    private final LineFile file;
    /** How many openers have not closed it yet; guarded by {@link #OPEN}. */
    private int openers = 1;

    /** Writes to {@code out}, flushing each write. */
    public TrailStream(OutputStream out) {
        super(out, true, StandardCharsets.UTF_8);
        this.file = out instanceof LineFile f ? f : null;
    }

    /**
     * Opens {@code path} to append, creating it: each line (each write flushed) reaches the file
     * whole or, as far as a reader can tell, not at all ({@link LineFile}). A file this process
     * has open already, by this path or another, is the stream it has open.
     */
    public static TrailStream append(String path) throws IOException {
        return append(path, false);
    }

    /**
     * Opens {@code path} as {@link #append(String)} does; when {@code programMayRun}, the path may
     * be one the supervised program made or holds open, and only a file the program cannot read
     * the lines from through it is written to: a FIFO, a pipe or a terminal is refused, with the
     * reason ({@link LineFile#append(String, boolean)}).
     */
    public static TrailStream append(String path, boolean programMayRun) throws IOException {
        LineFile file = LineFile.append(path, programMayRun);
        Object key = file.key();
        if (key == null) {
            return new TrailStream(file);
        }
        TrailStream open;
        synchronized (OPEN) {
            open = OPEN.get(key);
            if (open == null) {
                open = new TrailStream(file);
                OPEN.put(key, open);
                return open;
            }
            open.openers++;
        }
        file.close(); // the file's stream is open already: this opening is done with
        return open;
    }

    /** Closes the file once every opener of it has closed it; flushes it before. */
    @Override
    public void close() {
        if (file != null && file.key() != null) {
            synchronized (OPEN) {
                if (--openers > 0) {
                    flush();
                    return;
                }
                OPEN.remove(file.key(), this);
            }
        }
        super.close();
    }

    /** Prints {@code x} and a line end in one write: print, then a newline, were two. */
    @Override
    public void println(String x) {
        print(String.valueOf(x) + NEWLINE);
    }

    /** Prints {@code x} and a line end in one write. */
    @Override
    public void println(Object x) {
        print(String.valueOf(x) + NEWLINE);
    }

    /**
     * Returns whether {@code out} keeps the start of a line in memory until its end is printed
     * (a file opened by {@link #append}) rather than writing it at once (stderr, stdout).
     */
    public static boolean holdsParts(PrintStream out) {
        return out instanceof TrailStream t && t.file != null;
    }

    /**
     * Writes everything printed, the start of a line not ended yet included, and returns whether
     * it reached the file, as {@link #wrote} does: for a line's start that must be in the file
     * before the program goes on.
     */
    public synchronized boolean wroteAll() {
        flush();
        if (file != null) {
            try {
                file.flushAll();
            } catch (IOException e) {
                setError();
            }
        }
        return wrote();
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
