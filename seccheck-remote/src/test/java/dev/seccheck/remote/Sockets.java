package dev.seccheck.remote;

import dev.seccheck.linux.UnixSeqpacket;

/** Sockets holds the socket helpers of this module's tests: receiving a packet, waiting with a deadline. */
public final class Sockets {
    private Sockets() {}

    /**
     * Waits until {@code done} holds, failing after {@code seconds} with {@code what} in the message:
     * no wait in these tests may spin forever.
     */
    public static void await(String what, int seconds, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Receives one packet as an exact-size array. */
    public static byte[] receive(UnixSeqpacket s) throws Exception {
        byte[] buf = new byte[1 << 16];
        int n = s.receive(buf);
        if (n < 0) {
            throw new AssertionError("no packet: " + n);
        }
        return java.util.Arrays.copyOf(buf, n);
    }
}
