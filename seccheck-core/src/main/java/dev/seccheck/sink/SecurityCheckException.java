package dev.seccheck.sink;

/**
 * SecurityCheckException is how a sink denies a checked operation: the operation fails with
 * {@link #errno()} and no later sink sees the point.
 */
public final class SecurityCheckException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** Creates a denial that fails the operation with this (positive) errno. */
    public SecurityCheckException(int errno, String reason) {
        super(reason, null, false, false);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive, got " + errno);
        }
        this.errno = errno;
    }

    /** Returns the errno the checked operation fails with. */
    public int errno() {
        return errno;
    }
}
