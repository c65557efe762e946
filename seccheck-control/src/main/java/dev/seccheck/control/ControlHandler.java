package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** ControlHandler answers one control request of a run: {@code op} and its arguments in, a JSON result out. */
@FunctionalInterface
public interface ControlHandler {
    /** Handles a request; throws with a one-line message the client shows the user. */
    ObjectNode handle(String op, JsonNode request) throws ControlException;
}
