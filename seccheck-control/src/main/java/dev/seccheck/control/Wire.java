package dev.seccheck.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.seccheck.abi.Errno;
import dev.seccheck.config.StrictJson;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Wire frames control messages on a SOCK_SEQPACKET connection (the kind whose SO_PEERCRED the
 * binding layer reads): one JSON object ending in a newline, cut into packets of at most
 * {@value #PACKET} bytes. Every read and write has a deadline, and a message larger than the limit
 * is still read to its end, so the receiver can answer it rather than close on the sender.
 */
final class Wire {
    private Wire() {}

    /** Largest session JSON a {@code session_create} request may carry. */
    static final int MAX_CONFIG = 4 << 20;
    /** Largest message: a maximal config escaped as a JSON string can double in size, plus the other fields. */
    static final int MAX_MESSAGE = 2 * MAX_CONFIG + (64 << 10);
    static final int PACKET = 32 << 10;
    /** Larger than the default socket send buffer, so no packet a peer can send is truncated. */
    private static final int RECEIVE_BUFFER = 256 << 10;

    static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** OversizedException says a message was read to its end but exceeded the limit. */
    static final class OversizedException extends IOException {
        private static final long serialVersionUID = 1L;

        OversizedException(long size, int limit) {
            super("message of " + size + " bytes is larger than the limit of " + limit + " bytes");
        }
    }

    /** ClosedException says the peer closed the connection without sending anything (a probe, or a client that gave up). */
    static final class ClosedException extends IOException {
        private static final long serialVersionUID = 1L;

        ClosedException() {
            super("the peer closed the connection without a message");
        }
    }

    /** Sends {@code msg} and its newline, waiting for buffer space no later than {@code deadline} (System.nanoTime). */
    static void send(UnixSeqpacket s, JsonNode msg, long deadline) throws IOException {
        byte[] line = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        Poll poll = new Poll();
        int off = 0;
        try {
            while (off < line.length) {
                int len = Math.min(PACKET, line.length - off);
                int n = s.send(line, off, len);
                if (n == UnixSeqpacket.WOULD_BLOCK) {
                    poll.poll(s.fd(), Poll.POLLOUT, remainingMillis(deadline, "sending"));
                    continue;
                }
                off += len;
            }
        } catch (LinuxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Reads one message up to its newline, no later than {@code deadline}.
     *
     * @throws OversizedException when the whole message was read but is larger than {@code limit}
     * @throws SocketTimeoutException when the deadline passed first
     * @throws IOException when the peer closed before a whole message
     */
    static byte[] receive(UnixSeqpacket s, int limit, long deadline) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[RECEIVE_BUFFER];
        Poll poll = new Poll();
        long size = 0;
        boolean truncated = false;
        try {
            while (true) {
                // Poll first, then a receive that cannot block: a non-blocking receive that finds
                // nothing leaves the thread's message header with control data the next send rejects.
                if (poll.poll(s.fd(), Poll.POLLIN, remainingMillis(deadline, "waiting for a message")) == 0) {
                    continue;
                }
                int n = s.receive(buf);
                if (n == UnixSeqpacket.WOULD_BLOCK) {
                    continue;
                }
                if (n == UnixSeqpacket.EOF) {
                    if (size == 0) {
                        throw new ClosedException();
                    }
                    throw new IOException("the peer closed the connection after " + size + " bytes, before the end of its message");
                }
                truncated |= n > buf.length;
                int got = Math.min(n, buf.length);
                int end = indexOf(buf, got, (byte) '\n');
                int keep = end < 0 ? got : end;
                size += keep;
                if (size <= limit) {
                    line.write(buf, 0, keep);
                }
                if (end >= 0) {
                    if (size > limit || truncated) {
                        throw new OversizedException(size, limit);
                    }
                    return line.toByteArray();
                }
                if (size > limit) {
                    // Dropped, but read on to the newline: the sender then gets an answer, not a broken pipe.
                    line.reset();
                }
            }
        } catch (LinuxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Parses a received message, which must be one JSON object. */
    static JsonNode parse(byte[] message) throws IOException {
        return StrictJson.readObject(message, "not a JSON message",
                () -> "not a JSON object: a message is one object, e.g. {\"op\": \"info\"}");
    }

    /** Returns whether a send failed because the peer already closed (it may have answered first). */
    static boolean peerClosed(IOException e) {
        return e.getCause() instanceof LinuxException l
                && (l.errno() == Errno.EPIPE || l.errno() == Errno.ECONNRESET);
    }

    private static int remainingMillis(long deadline, String what) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no progress before the deadline while " + what);
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }

    private static int indexOf(byte[] buf, int len, byte b) {
        for (int i = 0; i < len; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
