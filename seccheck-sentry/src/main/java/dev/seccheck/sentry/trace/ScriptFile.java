package dev.seccheck.sentry.trace;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Path;

/**
 * ScriptFile is the {@code #!} script an exec ran, held open as the object the name reached: our
 * O_PATH descriptor of it, so that sentry/execve's binary attributes and hashes describe that very
 * file (a rename since cannot swap it), a memfd's included, and the name the kernel gives it.
 * Closed once sentry/execve has fired, or when its thread is gone.
 *
 * @param fd our O_PATH descriptor of the script
 * @param name its path with every symlink resolved ({@code /memfd:name (deleted)} for a memfd)
 */
record ScriptFile(int fd, String name) implements AutoCloseable {

    /** A path that reaches the script from this process, for stat and hashing. */
    Path path() {
        return Path.of("/proc/self/fd/" + fd);
    }

    @Override
    public void close() {
        PathCalls.close(fd);
    }
}
