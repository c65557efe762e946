package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** ControlClient sends one request to a run's control socket and returns its answer. */
public final class ControlClient {
    private ControlClient() {}

    /** Returns a new request object for {@code op}. */
    public static ObjectNode request(String op) {
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("op", op);
        return n;
    }

    /**
     * Sends the request and waits for the answer.
     *
     * @throws ControlException with the run's error message, or when the run cannot be reached
     */
    public static JsonNode call(Path socket, ObjectNode request) throws ControlException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            Wire.send(ch, request);
            JsonNode reply = Wire.receive(ch);
            if (!reply.path("ok").asBoolean(false)) {
                throw new ControlException(reply.path("error").asText("the run gave no reason"));
            }
            return reply;
        } catch (IOException e) {
            throw new ControlException("cannot reach " + socket + ": " + e.getMessage(), e);
        }
    }
}
