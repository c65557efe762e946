package dev.seccheck.sink;

/**
 * CallStrings reads, from the memory of the task whose raw syscall point is firing, the strings
 * its arguments point to: a path given to stat, unlink or chmod, which gVisor's raw message
 * carries only as a register. The wire must not change, so it is an in-process side value, bound
 * by the sentry on the thread that fires a raw syscall point while the task is stopped there, and
 * read by sinks that print the call as strace would (the text sink). Unbound elsewhere: a stream
 * replayed or received from another process has no task to read.
 */
public interface CallStrings {

    /** Bound by the sentry while a raw syscall point fires; unbound everywhere else. */
    ScopedValue<CallStrings> CURRENT = ScopedValue.newInstance();

    /**
     * Returns the NUL-terminated string at {@code addr}, at most {@code max} bytes of it, or null
     * when the task's memory there cannot be read.
     */
    String string(long addr, int max);

    /** Returns the strings of the call whose points fire on this thread, or null when none is known. */
    static CallStrings current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }
}
