package dev.seccheck.control;

/** ControlException says why a control request failed: no such run, refused peer, bad request, or the run's answer. */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    public ControlException(String message) {
        super(message);
    }

    public ControlException(String message, Throwable cause) {
        super(message, cause);
    }
}
