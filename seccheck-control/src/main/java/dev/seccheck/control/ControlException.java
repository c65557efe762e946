package dev.seccheck.control;

/**
 * ControlException says why a control request failed: no such run, refused peer, bad request, or
 * the run's answer. {@link #unresponsive()} tells a run that did not answer in time apart from
 * one that answered with an error.
 */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean unresponsive;

    public ControlException(String message) {
        this(message, null, false);
    }

    public ControlException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private ControlException(String message, Throwable cause, boolean unresponsive) {
        super(message, cause);
        this.unresponsive = unresponsive;
    }

    /** Returns an exception for a run that did not answer before the deadline. */
    static ControlException unresponsive(String message, Throwable cause) {
        return new ControlException(message, cause, true);
    }

    /** Returns whether the run did not answer in time (it may be stuck), rather than answer with an error. */
    public boolean unresponsive() {
        return unresponsive;
    }
}
