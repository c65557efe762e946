package dev.seccheck.sink;

/**
 * MadeCall names the syscall the program made while the points being fired report it under
 * another syscall's: a sendto, sendmsg or sendmmsg that names an address fires connect's points
 * (it reaches that peer as a connect would), openat2 fires openat's. The message keeps the point's
 * own {@code sysno}, as gVisor's does and as consumers of the wire may rely on, so the call made
 * is an in-process side value like {@link ReachedFile}, bound on the firing thread while those
 * points fire: the text sink names the line after it ({@code sendto(3, ..., {sa_family=...}, 16)})
 * and the summary counts the call there.
 */
public final class MadeCall {

    /** Bound by the sentry to the syscall number made while the points it is reported under fire. */
    public static final ScopedValue<Integer> CURRENT = ScopedValue.newInstance();

    /**
     * Bound by the sentry to true while those points fire for a message after the first of the same
     * call (a sendmmsg fires connect's points once for each message with an address), so that the
     * call is counted once.
     */
    public static final ScopedValue<Boolean> FURTHER = ScopedValue.newInstance();

    private MadeCall() {}

    /** Returns whether the points being fired on this thread report a further message of a call already reported. */
    public static boolean further() {
        return FURTHER.isBound() && FURTHER.get();
    }

    /** Returns the syscall made, if the points being fired on this thread report another's; else -1. */
    public static int current() {
        return CURRENT.isBound() ? CURRENT.get() : -1;
    }
}
