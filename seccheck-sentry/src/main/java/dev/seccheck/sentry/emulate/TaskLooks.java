package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * TaskLooks makes a look-up for the tracer with the identity of a task of the program (its user,
 * group and supplementary ids and its capabilities, {@link Identity}), so that a name is found to
 * reach a file only where the task itself could follow it: a directory only root may search hides
 * its files from a program run as another user, and so from the look. Made for looks by name (an
 * O_PATH open, a walk), which Landlock does not mediate: a Landlock domain of the task's is not
 * entered. Unprivileged, seccheck already has the program's ids and changes nothing. Any thread
 * that holds seccheck's own credentials may call it; each look reads the task's identity anew.
 */
public final class TaskLooks {

    /** Seccheck's credentials, read on the thread that makes this (the tracer's maker). */
    private final Identity.Own own = Identity.Own.current();

    /** Takes the calling thread's credentials for seccheck's own: made on a thread that holds no program's. */
    public TaskLooks() {}

    /**
     * What {@code look} returns when made with the identity task {@code tid} has now; -ESRCH when
     * the task is gone (its identity cannot be read).
     */
    public int as(int tid, IntSupplier look) {
        if (!own.privileged()) {
            return look.getAsInt();
        }
        Optional<Identity> who;
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            who = Identity.of(files, tid, own, false);
        }
        if (who.isEmpty()) {
            return -Errno.ESRCH;
        }
        try (Identity.Assumed _ = who.get().assume(own)) {
            return look.getAsInt();
        }
    }
}
