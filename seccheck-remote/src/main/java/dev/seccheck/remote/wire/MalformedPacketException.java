package dev.seccheck.remote.wire;

/** MalformedPacketException says a packet from the peer does not follow the protocol, and how. */
public class MalformedPacketException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedPacketException(String message) {
        super(message);
    }

    public MalformedPacketException(String message, Throwable cause) {
        super(message, cause);
    }
}
