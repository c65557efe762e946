package dev.seccheck.sink;

/**
 * ExitUnseen marks the enter points of a call whose exit points will not fire: once they allow
 * it, seccheck lets the kernel make the call as the program made it (a netlink request, which the
 * kernel serves in the sender's context; an O_PATH open, whose descriptor seccheck cannot install),
 * and its result is not seen. Like {@link ReachedFile} it is an in-process side value, bound on the
 * firing thread while those enter points fire: a sink that joins an enter with its exit (the text
 * sink's strace lines) ends the enter's line at once, with an unknown result, instead of leaving
 * it open for an exit that will not come.
 */
public final class ExitUnseen {

    /** Bound (to true) by the sentry while the enter points of such a call fire. */
    public static final ScopedValue<Boolean> CURRENT = ScopedValue.newInstance();

    private ExitUnseen() {}

    /** Returns whether the enter points being fired on this thread are of a call whose exit will not be seen. */
    public static boolean now() {
        return CURRENT.isBound() && CURRENT.get();
    }
}
