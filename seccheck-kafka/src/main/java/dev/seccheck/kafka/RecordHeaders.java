package dev.seccheck.kafka;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * RecordHeaders names the headers of a seccheck record and encodes their values. A record's value
 * is exactly the payload the remote sink sends after its 8-byte header; what that header carries
 * (the message type and the dropped count) travels here instead, so a consumer needs no framing of
 * ours, plus the host that sent it. Values are decimal ASCII, readable in any Kafka tool.
 */
public final class RecordHeaders {
    private RecordHeaders() {}

    /** The {@code MessageType} number of the value, e.g. {@code 6} for {@code gvisor.syscall.Open}. */
    public static final String TYPE = "seccheck.type";
    /** Points the sending sink had dropped when it sent this record. */
    public static final String DROPPED = "seccheck.dropped";
    /** The name of the host the point was fired on. */
    public static final String HOST = "seccheck.host";

    /** Returns a whole number as the bytes of a header value. */
    public static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /** Returns the last value of header {@code name} as a non-negative number, or empty when absent or not one. */
    public static OptionalLong number(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        if (h == null || h.value() == null || h.value().length == 0 || h.value().length > 19) {
            return OptionalLong.empty();
        }
        long n = 0;
        for (byte b : h.value()) {
            if (b < '0' || b > '9') {
                return OptionalLong.empty();
            }
            n = n * 10 + (b - '0');
        }
        return OptionalLong.of(n);
    }

    /** Returns the last value of header {@code name} as text, or "" when absent. */
    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
