package dev.seccheck.control;

/**
 * ControlException says why a control request failed: no such run, refused peer, bad request, or
 * the run's answer. {@link #unresponsive()} tells a run that did not answer in time apart from
 * one that answered with an error; {@link #exitStatus()} carries the status a shell would give a
 * command {@code exec} could not start (127 not found, 126 not executable), 0 for other failures.
 */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean unresponsive;
    private final int exitStatus;

    public ControlException(String message) {
        this(message, null, false, 0);
    }

    public ControlException(String message, Throwable cause) {
        this(message, cause, false, 0);
    }

    /** A command that could not be started, with the status a shell would give (126 or 127). */
    public ControlException(String message, Throwable cause, int exitStatus) {
        this(message, cause, false, exitStatus);
    }

    private ControlException(String message, Throwable cause, boolean unresponsive, int exitStatus) {
        super(message, cause);
        this.unresponsive = unresponsive;
        this.exitStatus = exitStatus;
    }

    /** Returns an exception for a run that did not answer before the deadline. */
    static ControlException unresponsive(String message, Throwable cause) {
        return new ControlException(message, cause, true, 0);
    }

    /** Returns the status a shell gives a command that could not be started (126, 127), else 0. */
    public int exitStatus() {
        return exitStatus;
    }

    /** Returns whether the run did not answer in time (it may be stuck), rather than answer with an error. */
    public boolean unresponsive() {
        return unresponsive;
    }
}
