package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Wire frames control messages: one JSON object per line, at most {@value #MAX} bytes, so a
 * misbehaving peer cannot make either side buffer without bound.
 */
final class Wire {
    private Wire() {}

    static final int MAX = 4 << 20;
    static final ObjectMapper JSON = new ObjectMapper();

    static void send(SocketChannel ch, JsonNode msg) throws IOException {
        byte[] line = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Reads one line; fails on end of stream before a newline or when the line exceeds the limit. */
    static JsonNode receive(SocketChannel ch) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                throw new IOException("peer closed the connection before a whole message");
            }
            for (int i = 0; i < n; i++) {
                byte b = buf.get(i);
                if (b == '\n') {
                    return JSON.readTree(line.toByteArray());
                }
                line.write(b);
            }
            if (line.size() > MAX) {
                throw new IOException("message larger than " + MAX + " bytes");
            }
        }
    }
}
