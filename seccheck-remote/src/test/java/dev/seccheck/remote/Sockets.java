package dev.seccheck.remote;

import dev.seccheck.linux.UnixSeqpacket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sockets makes short socket paths for tests (sun_path holds 107 bytes). */
public final class Sockets {
    private Sockets() {}

    /** Returns a fresh path in a new directory under /tmp. */
    public static Path tempPath(String name) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "sc");
        dir.toFile().deleteOnExit();
        return dir.resolve(name);
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
