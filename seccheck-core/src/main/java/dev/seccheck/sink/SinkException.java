package dev.seccheck.sink;

/** SinkException says a sink could not be configured, set up or created, and why. */
public class SinkException extends Exception {
    private static final long serialVersionUID = 1L;

    public SinkException(String message) {
        super(message);
    }

    public SinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
