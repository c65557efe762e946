package dev.seccheck.sinks.text;

import dev.seccheck.sink.TrailStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * LineOut writes the text sink's lines to its stream as bytes, encoded in the stream's own
 * charset. PrintStream's {@code print} and {@code println} pass a line through two writers and a
 * charset encoder, character by character; {@link String#getBytes(Charset)} encodes it in one
 * intrinsic copy when it is ASCII, as nearly every line is (the program's strings are escaped).
 * The stream's lock and flushing are kept: each line or part of one is one write, as before, and
 * is held with the look at whether it reached the stream.
 * A charset that keeps state across writes (UTF-16's byte order mark, ISO-2022's shifts) could
 * not be encoded a line at a time, so anything but UTF-8, ISO-8859-1 and US-ASCII goes through
 * the stream's own print and println.
 *
 * <p>On a file ({@link TrailStream#holdsParts}) the start of a line waits in memory for its end,
 * so that the file only ever takes whole lines; a sink whose start of a line must be in the file
 * before the program goes on ({@code on_drop} deny or kill: the enter of a call) writes it at
 * once instead ({@code partsNow}), and another process's line can then fall inside it.
 */
final class LineOut {
    private static final String NEWLINE = System.lineSeparator();

    private final PrintStream out;
    /** The stream's charset when a line can be encoded alone, else null. */
    private final Charset bytes;
    /** Whether the start of a line waits in memory for its end. */
    private final boolean holds;
    /** Whether the start of a line is written at once on a stream that would hold it. */
    private final boolean partsNow;

    LineOut(PrintStream out) {
        this(out, false);
    }

    /** Writes to {@code out}; {@code partsNow} writes the start of a line at once even on a file. */
    LineOut(PrintStream out, boolean partsNow) {
        this.out = out;
        this.partsNow = partsNow && TrailStream.holdsParts(out);
        this.holds = TrailStream.holdsParts(out) && !partsNow;
        Charset cs = out.charset();
        this.bytes = cs.equals(StandardCharsets.UTF_8) || cs.equals(StandardCharsets.ISO_8859_1)
                || cs.equals(StandardCharsets.US_ASCII) ? cs : null;
    }

    /**
     * Writes {@code text} with no line end: a call line left open for its exit. Returns whether
     * it reached the stream ({@link TrailStream#wrote}).
     */
    boolean part(CharSequence text) {
        synchronized (out) {
            if (bytes == null) {
                out.print(text);
            } else {
                byte[] encoded = text.toString().getBytes(bytes);
                out.write(encoded, 0, encoded.length);
            }
            return partsNow ? ((TrailStream) out).wroteAll() : TrailStream.wrote(out);
        }
    }

    /**
     * Returns whether the start of a line waits in memory for its end (a file), so that a line
     * that fails takes its start with it, rather than going out at once (stderr, or
     * {@code partsNow}).
     */
    boolean holds() {
        return holds;
    }

    /**
     * Writes {@code text} and a line end; a builder passed in gets the line end appended. Returns
     * whether it reached the stream.
     */
    boolean line(CharSequence text) {
        if (bytes == null) {
            synchronized (out) {
                out.println(text);
                return TrailStream.wrote(out);
            }
        }
        return write(text instanceof StringBuilder sb ? sb.append(NEWLINE).toString() : text + NEWLINE);
    }

    /** Flushes the stream. */
    void flush() {
        out.flush();
    }

    /** Closes the stream. */
    void close() {
        out.close();
    }

    private boolean write(String s) {
        byte[] encoded = s.getBytes(bytes);
        synchronized (out) {
            out.write(encoded, 0, encoded.length);
            return TrailStream.wrote(out);
        }
    }
}
