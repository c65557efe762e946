package dev.seccheck.sentry.emulate;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Uninterruptibly waits for a call made on another thread for the program: whatever interrupts
 * the waiting thread, the call's result (an fd it opened, a count it sent) is what the program
 * must be answered with, so the wait goes on and the interrupt is kept for after.
 */
final class Uninterruptibly {
    private Uninterruptibly() {}

    /** The result of {@code call}; what it threw, as an unchecked exception. */
    static <T> T get(Future<T> call) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return call.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
