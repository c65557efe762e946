package dev.seccheck.session;

/**
 * SessionException says why a session could not be parsed, created or deleted. Its message names
 * the culprit by its path in the session file, e.g.
 * {@code points[3].context_fields[1]: unknown context field "pid" for point "syscall/openat/enter"}.
 */
public final class SessionException extends Exception {
    private static final long serialVersionUID = 1L;

    public SessionException(String message) {
        super(message);
    }

    public SessionException(String message, Throwable cause) {
        super(message, cause);
    }
}
