package dev.seccheck.linux;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * AcceptLoop is the accept loop of a thread-per-connection server on a listening
 * {@link UnixSeqpacket}: it hands each accepted connection to a consumer until the owner says it is
 * closing, and pauses after a failing accept instead of spinning on it. The control server and the
 * remote acceptor both serve this way; it lives beside the socket because it knows nothing else.
 */
public final class AcceptLoop {
    /**
     * How long to wait after a failing accept: EMFILE or ENOMEM would fail again at once, and a
     * loop retrying it would take a core from the threads that free the descriptors.
     */
    static final long RETRY_NANOS = 10_000_000;

    private AcceptLoop() {}

    /**
     * Accepts on {@code listener} and passes each connection to {@code accepted} (which owns it
     * from then on) until {@code closing} is true. The owner stops the loop by setting its flag and
     * shutting the listener down, which wakes a blocked accept; an accept that fails while closing
     * ends the loop, one that fails otherwise is retried after a pause.
     */
    public static void run(UnixSeqpacket listener, BooleanSupplier closing, Consumer<UnixSeqpacket> accepted) {
        while (!closing.getAsBoolean()) {
            UnixSeqpacket conn;
            try {
                conn = listener.accept();
            } catch (LinuxException e) {
                if (closing.getAsBoolean()) {
                    return;
                }
                LockSupport.parkNanos(RETRY_NANOS);
                continue;
            }
            if (conn != null) {
                accepted.accept(conn);
            }
        }
    }
}
