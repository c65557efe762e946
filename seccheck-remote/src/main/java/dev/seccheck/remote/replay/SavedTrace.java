package dev.seccheck.remote.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;

/**
 * SavedTrace is one trace file being saved: it holds what was received until it is written, and
 * knows how many messages the file holds whole. A write that fails (a full disk, a file size
 * limit) may have put part of the pending bytes on disk: the file is cut back to its last whole
 * message, so it stays a valid trace that replays to its end, and {@link #saved} counts only the
 * messages in it. Before, a message counted as saved once it was in the stream's buffer: a save
 * whose last flush failed at close reported all 303 messages saved where the file held 279 and
 * the start of the 280th.
 */
final class SavedTrace implements AutoCloseable {

    /**
     * Pending bytes past which they are written without waiting for the next flush: a connection
     * costs about this much memory (a saver serves thousands; see TraceSaveMemoryTest).
     */
    static final int FLUSH_BYTES = 8 * 1024;

    private final SeekableByteChannel file;
    private ByteArrayOutputStream pending = new ByteArrayOutputStream();
    /** Where each pending message ends within {@link #pending}. */
    private int[] ends = new int[16];
    private int pendingMessages;
    /** The file's length up to the end of its last whole message (its header at first). */
    private long whole;
    private long saved;

    /** Starts the trace in {@code file} (new, empty) with its header, written at once. */
    SavedTrace(SeekableByteChannel file) throws IOException {
        this.file = file;
        TraceFile.writeHeader(pending, TraceFile.CONFIG);
        try {
            write(pending.toByteArray());
        } catch (IOException e) {
            cutBack(0);
            throw e;
        } finally {
            pending.reset();
        }
        whole = file.position();
    }

    /** Adds {@code packet[0..length)} as the next message; written once enough is pending. */
    void add(byte[] packet, int length) throws Failed {
        try {
            TraceFile.writeChunk(pending, packet, length);
        } catch (IOException e) {
            throw new IllegalStateException("a memory buffer cannot fail", e);
        }
        if (pendingMessages == ends.length) {
            ends = Arrays.copyOf(ends, ends.length * 2);
        }
        ends[pendingMessages++] = pending.size();
        if (pending.size() >= FLUSH_BYTES) {
            flush();
        }
    }

    /** The messages the file holds whole. */
    long saved() {
        return saved;
    }

    /**
     * Writes what is pending. On failure the file is cut back to its last whole message, and
     * {@link Failed} says how many were saved and how many lost.
     */
    void flush() throws Failed {
        if (pending.size() == 0) {
            return;
        }
        int written = 0;
        try {
            written = write(pending.toByteArray());
        } catch (PartialWrite e) {
            int kept = 0;
            long messages = 0;
            while (messages < pendingMessages && ends[(int) messages] <= e.written) {
                kept = ends[(int) messages++];
            }
            long lost = pendingMessages - messages;
            saved += messages;
            whole += kept;
            emptied();
            throw new Failed(e.getMessage() + cutBack(whole), saved, lost);
        }
        saved += pendingMessages;
        whole += written;
        emptied();
    }

    /** Forgets what was pending; a buffer a large message grew is given back. */
    private void emptied() {
        if (pending.size() > FLUSH_BYTES * 2) {
            pending = new ByteArrayOutputStream();
        } else {
            pending.reset();
        }
        pendingMessages = 0;
    }

    /** Writes all of {@code bytes}; returns their count, or says how many were written before a failure. */
    private int write(byte[] bytes) throws PartialWrite {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try {
            while (buf.hasRemaining()) {
                file.write(buf);
            }
            return bytes.length;
        } catch (IOException e) {
            throw new PartialWrite(e, buf.position());
        }
    }

    /** A write that failed after {@code written} bytes. */
    private static final class PartialWrite extends IOException {
        final int written;

        PartialWrite(IOException cause, int written) {
            super(cause.getMessage(), cause);
            this.written = written;
        }
    }

    /** Cuts the file to {@code length}; returns nothing, or why it could not be cut. */
    private String cutBack(long length) {
        try {
            file.truncate(length);
            file.position(length);
            return "";
        } catch (IOException e) {
            return " (and cutting the file back to its last whole message failed: " + e.getMessage() + ")";
        }
    }

    /** Writes what is pending and closes the file. */
    @Override
    public void close() throws Failed {
        try {
            flush();
        } finally {
            try {
                file.close();
            } catch (IOException e) {
                // Nothing is buffered past the channel: a close error loses nothing written.
            }
        }
    }

    /** A write that failed: {@code saved} messages are in the file whole, {@code lost} were not written. */
    static final class Failed extends IOException {
        final long saved;
        final long lost;

        Failed(String message, long saved, long lost) {
            super(message);
            this.saved = saved;
            this.lost = lost;
        }
    }
}
