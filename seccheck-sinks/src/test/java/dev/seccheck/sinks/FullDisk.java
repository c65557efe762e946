package dev.seccheck.sinks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** A file for sink tests that refuses writes while {@link #full}, as a full disk does, and keeps what it took. */
public final class FullDisk extends OutputStream {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    /** Whether writes fail now. */
    public volatile boolean full;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (full) {
            throw new IOException("No space left on device");
        }
        kept.write(b, off, len);
    }

    /** Returns what the writes that succeeded wrote, as UTF-8. */
    public synchronized String text() {
        return kept.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
