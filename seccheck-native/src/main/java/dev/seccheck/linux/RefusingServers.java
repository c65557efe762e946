package dev.seccheck.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * RefusingServers is how a process that serves the remote link and refuses supervised clients
 * says so: by its name. Such a server refuses a client that is ptraced, as every supervised task
 * is; but where seccheck performs a program's connect itself, the kernel records seccheck's pid,
 * which is not traced, as the client. So the server names its process {@link #NAME}, and seccheck
 * never connects a program to a process of that name. Anyone may read a process's name
 * ({@code /proc/PID/comm}); only the process itself (or its tracer) may change it.
 */
public final class RefusingServers {
    private RefusingServers() {}

    /** The name ({@code /proc/PID/comm}, at most 15 bytes) of a process that refuses supervised clients. */
    public static final String NAME = "seccheck-server";

    /** Names this process {@link #NAME} (any thread may rename its process): empty, or why it could not. */
    public static Optional<String> nameThisProcess() {
        try {
            Files.writeString(Path.of("/proc/self/comm"), NAME);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** Whether process {@code pid} says it refuses supervised clients: its name is {@link #NAME}. */
    public static boolean isOne(int pid) {
        return NAME.equals(Procfs.comm(pid));
    }
}
