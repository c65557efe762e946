package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** ControlHandler answers one control request of a run: {@code op} and its arguments in, a JSON result out. */
@FunctionalInterface
public interface ControlHandler {
    /**
     * Handles a request from {@code peer}, a process the server already allowed to control the
     * run; throws with a one-line message the client shows the user.
     */
    ObjectNode handle(String op, JsonNode request, Peer peer) throws ControlException;

    /**
     * Peer is who sent a request, as the kernel reported it at accept (SO_PEERCRED), and a way to
     * tell it that the answer will come later ({@code exec} answers when its command ends), so the
     * client stops applying its answer deadline.
     */
    interface Peer {
        /** Returns the peer's process id. */
        long pid();

        /** Tells the client the request was accepted and its answer will take long. */
        void pending() throws ControlException;
    }
}
