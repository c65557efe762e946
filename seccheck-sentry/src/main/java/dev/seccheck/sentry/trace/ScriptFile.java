package dev.seccheck.sentry.trace;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Path;

/**
 * ScriptFile is a {@code #!} script an exec ran, held open as the object the name reached: our
 * O_PATH descriptor of it, so that sentry/execve's binary attributes and hashes describe that very
 * file (a rename since cannot swap it), a memfd's included, and the name the kernel gives it. When
 * its {@code #!} line names another script, the kernel ran that one in turn: {@code next}. Closed,
 * with the scripts after it, once sentry/execve has fired, or when its thread is gone.
 *
 * @param fd our O_PATH descriptor of the script
 * @param name its path with every symlink resolved ({@code /memfd:name (deleted)} for a memfd)
 * @param next the script this one's {@code #!} line names, or null when that is no script
 */
record ScriptFile(int fd, String name, ScriptFile next) implements AutoCloseable {

    /** A path that reaches the script from this process, for stat and hashing. */
    Path path() {
        return Path.of("/proc/self/fd/" + fd);
    }

    @Override
    public void close() {
        PathCalls.close(fd);
        if (next != null) {
            next.close();
        }
    }
}
