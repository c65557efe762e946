package dev.seccheck.sentry;

/** SentryException says why the supervisor could not start or keep supervising a workload. */
public final class SentryException extends Exception {
    private static final long serialVersionUID = 1L;

    public SentryException(String message) {
        super(message);
    }

    public SentryException(String message, Throwable cause) {
        super(message, cause);
    }
}
