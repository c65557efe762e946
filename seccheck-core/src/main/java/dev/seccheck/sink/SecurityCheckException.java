package dev.seccheck.sink;

/**
 * SecurityCheckException is how a sink denies a checked operation: the operation fails with
 * {@link #errno()} (unless another sink asked for a kill, or denied first); every other sink of
 * every session still receives the point, so a monitor sees what was denied.
 */
public final class SecurityCheckException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final boolean kill;

    /** Creates a denial that fails the operation with this (positive) errno. */
    public SecurityCheckException(int errno, String reason) {
        this(errno, reason, false);
    }

    private SecurityCheckException(int errno, String reason, boolean kill) {
        super(reason, null, false, false);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive, got " + errno);
        }
        this.errno = errno;
        this.kill = kill;
    }

    /**
     * Returns a denial that also asks for the offending task's thread group to be killed; the
     * operation fails with EPERM if it still gets to return.
     */
    public static SecurityCheckException killing(String reason) {
        return new SecurityCheckException(1, reason, true);
    }

    /** Returns whether the sink asks for the task's thread group to be killed. */
    public boolean killTask() {
        return kill;
    }

    /** Returns the errno the checked operation fails with. */
    public int errno() {
        return errno;
    }
}
