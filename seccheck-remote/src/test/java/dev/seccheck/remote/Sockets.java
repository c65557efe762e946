package dev.seccheck.remote;

import dev.seccheck.linux.UnixSeqpacket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sockets makes short socket paths for tests (sun_path holds 107 bytes). */
public final class Sockets {
    private Sockets() {}

    /**
     * Returns a fresh path in a new directory under /tmp, both deleted when the JVM exits. Tests of
     * this module take a JUnit {@code @TempDir} instead (deleted after each test); this stays for
     * UnixSeqpacketTest until it moves to seccheck-native.
     */
    public static Path tempPath(String name) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "sc");
        Path path = dir.resolve(name);
        // deleteOnExit runs in reverse order of registration: the socket file, then its directory.
        dir.toFile().deleteOnExit();
        path.toFile().deleteOnExit();
        return path;
    }

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
