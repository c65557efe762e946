package dev.seccheck.sentry.trace;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Path;

/**
 * ScriptFile is a file an exec ran through an interpreter, a {@code #!} script or a file a
 * binfmt_misc handler was given, held open as the object the name reached: our O_PATH descriptor
 * of it, so that sentry/execve's binary attributes and hashes describe that very file (a rename
 * since cannot swap it), a memfd's included, and the name the kernel gives it. When its {@code #!}
 * line names another script, the kernel ran that one in turn: {@code next}. Closed, with the
 * scripts after it, once sentry/execve has fired, or when its thread is gone.
 *
 * @param fd our O_PATH descriptor of the script
 * @param name its path with every symlink resolved ({@code /memfd:name (deleted)} for a memfd)
 * @param line its {@code #!} line, or null for a file that is no script (a binfmt_misc handler's)
 * @param next the script this one's {@code #!} line names, or null when that is no script
 */
record ScriptFile(int fd, String name, ShebangLine.Line line, ScriptFile next) implements AutoCloseable {

    /** The {@code #!} lines of this script and of the scripts after it, in the order the kernel read them. */
    java.util.List<ShebangLine.Line> lines() {
        java.util.List<ShebangLine.Line> lines = new java.util.ArrayList<>();
        for (ScriptFile s = this; s != null && s.line != null; s = s.next) {
            lines.add(s.line);
        }
        return lines;
    }

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
