package dev.seccheck.cli;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Endpoints prepares a socket path to listen on: a stale socket file is removed, a live one refused. */
final class Endpoints {
    private Endpoints() {}

    private static final int ECONNREFUSED = 111;

    static void clearStale(Path endpoint) throws IOException {
        if (!Files.exists(endpoint, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (UnixSeqpacket _ = UnixSeqpacket.connect(endpoint)) {
            throw new IOException("another server is listening on " + endpoint);
        } catch (LinuxException e) {
            if (e.errno() != ECONNREFUSED && e.errno() != Errno.EAGAIN) {
                throw new IOException(endpoint + " exists and is not a stale socket: " + e.getMessage(), e);
            }
        }
        Files.delete(endpoint);
    }
}
