package dev.seccheck.sink;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * DropNotices applies a sink's {@link OnDrop} to the points it drops and tells the run's log
 * (stderr) when it starts failing operations for want of delivery, and when it delivers again:
 * one line each way per episode, however many points fall in between. Counting the drops stays
 * the sink's (its {@link SinkStatus}).
 */
public final class DropNotices {
    private final OnDrop onDrop;
    private final String again;
    /** Set from the first point failed for want of delivery to the next one delivered. */
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * Notices for a sink configured with {@code onDrop}; {@code again} is the line that ends an
     * episode, what the sink does again ({@code sink text writes to FILE again}).
     */
    public DropNotices(OnDrop onDrop, String again) {
        this.onDrop = onDrop;
        this.again = again;
    }

    /** A point was delivered: ends an episode of failures, with its line. One volatile read otherwise. */
    public void delivered() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            System.err.println("seccheck: " + again);
        }
    }

    /**
     * A point was dropped: fails its operation as {@code on_drop} says ({@code reason}, for the
     * denial), beginning an episode with a line ({@code why}: what the sink cannot do, and why).
     * Neither is asked for when on_drop only counts.
     */
    public void dropped(Supplier<String> why, Supplier<String> reason) throws SecurityCheckException {
        if (onDrop == OnDrop.COUNT) {
            return;
        }
        if (!failing.get() && failing.compareAndSet(false, true)) {
            System.err.println("seccheck: " + why.get() + ": " + (onDrop == OnDrop.KILL
                    ? "killing each process" : "failing each operation (EPERM)") + " whose point it drops, as on_drop says");
        }
        onDrop.enforce(reason.get());
    }
}
