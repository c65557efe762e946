package dev.seccheck.sinks.text;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * OpenLineTicks runs, once a second, the checks of the text sinks whose call lines wait in
 * memory for their result (on a file: {@link LineOut#holds}), so that a call that blocks (a read
 * of a terminal) is written as unfinished after a second or two rather than missing from the
 * file for as long as it blocks. One daemon thread for every sink of the process, started by the
 * first that needs it; it wakes once a second and does nothing else.
 */
final class OpenLineTicks {
    private OpenLineTicks() {}

    /** How often the checks run: a call line open at two ticks in a row is written as unfinished. */
    static final long PERIOD_MS = 1000;

    private static final class Ticks {
        static final ScheduledThreadPoolExecutor TICKS = ticks();

        private static ScheduledThreadPoolExecutor ticks() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().daemon().name("seccheck-open-lines").factory());
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }

    /** Runs {@code check} once a period until the returned future is cancelled; a check that throws runs again. */
    static ScheduledFuture<?> every(Runnable check) {
        return Ticks.TICKS.scheduleAtFixedRate(() -> {
            try {
                check.run();
            } catch (RuntimeException e) {
                // A stream that fails keeps its own count of drops; the next tick looks again.
            }
        }, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }
}
