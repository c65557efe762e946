package dev.seccheck.sentry;

/**
 * SentryException says why the supervisor could not start or keep supervising a workload, with
 * the exit status a shell would give for the same failure (127 command not found, 126 not
 * executable, else 1).
 */
public final class SentryException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitStatus;

    public SentryException(String message) {
        this(message, null, 1);
    }

    public SentryException(String message, Throwable cause) {
        this(message, cause, 1);
    }

    public SentryException(String message, Throwable cause, int exitStatus) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /** Returns the exit status {@code seccheck run} ends with for this failure. */
    public int exitStatus() {
        return exitStatus;
    }
}
