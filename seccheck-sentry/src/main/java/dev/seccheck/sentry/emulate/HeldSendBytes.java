package dev.seccheck.sentry.emulate;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * HeldSendBytes counts the bytes of program data that the sends seccheck is making hold, as read
 * from the program and as handed to the kernel: what a program's sends waiting on full sockets
 * cost seccheck's memory ({@link StreamChunks}), and what a test of that cost reads. Counted
 * around each call of the kernel's; a relaxed counter is enough, as nothing is ordered by it.
 */
public final class HeldSendBytes {

    private static final AtomicLong HELD = new AtomicLong();

    private HeldSendBytes() {}

    /** The bytes held now, by every send in progress. */
    public static long now() {
        return HELD.get();
    }

    /** Makes {@code send}, whose data {@code bytes} is held twice while it lasts: its count or -errno. */
    static long during(long bytes, LongSupplier send) {
        HELD.getAndAdd(2 * bytes);
        try {
            return send.getAsLong();
        } finally {
            HELD.getAndAdd(-2 * bytes);
        }
    }
}
