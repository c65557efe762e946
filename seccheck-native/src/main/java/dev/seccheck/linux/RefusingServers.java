package dev.seccheck.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * RefusingServers is how a seccheck process that serves a socket a supervised program must not
 * use says so: by its name. A run's control socket refuses requests from the run's tasks, and a
 * monitoring server refuses clients that are ptraced, as every supervised task is; both tell the
 * program by the pid the kernel recorded for the connection. But where seccheck performs a
 * program's connect itself, the kernel records seccheck's pid, which is neither a task of a run nor
 * traced. So those processes name themselves {@link #RUN} and {@link #SERVER}, and seccheck never
 * connects a program to a process of either name. Anyone may read a process's name
 * ({@code /proc/PID/comm}); only the process itself (or its tracer) may change it.
 */
public final class RefusingServers {
    private RefusingServers() {}

    /** The name of a {@code seccheck run}: its control socket refuses the run's own tasks. */
    public static final String RUN = "seccheck-run";
    /** The name of a {@code seccheck server}: it refuses clients that are ptraced. 15 bytes, the kernel's limit. */
    public static final String SERVER = "seccheck-server";

    /**
     * Names this process {@code name} (any thread may rename its process). Call it before the
     * process seals itself: a process that is not dumpable has its /proc files owned by root.
     * Returns empty, or why it could not.
     */
    public static Optional<String> nameThisProcess(String name) {
        try {
            Files.writeString(Path.of("/proc/self/comm"), name);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** The name of process {@code pid} when it says it refuses supervised programs, or empty. */
    public static Optional<String> of(int pid) {
        String name = Procfs.comm(pid);
        return name.equals(RUN) || name.equals(SERVER) ? Optional.of(name) : Optional.empty();
    }

    /** The directory of this run's control socket as {@code {dev, ino}}, or null: set once, read by emulation threads. */
    private static volatile long[] runDirectory;

    /**
     * Records {@code dir}, the directory of this run's control socket, as one where no program of
     * the run may make a socket ({@link #isRunDirectory}): where seccheck makes a program's bind and
     * listen, the listener the kernel records is this process, the very pid a control client
     * trusts, so a program that put its own socket at the control socket's name would be taken for
     * the run. Returns empty, or why it could not (the directory then has no such protection).
     */
    public static Optional<String> keepSocketsOutOf(Path dir) {
        try {
            Map<String, Object> id = Files.readAttributes(dir, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            runDirectory = new long[] {(Long) id.get("dev"), (Long) id.get("ino")};
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** Whether the directory of device {@code dev} and inode {@code ino} is this run's control socket's. */
    public static boolean isRunDirectory(long dev, long ino) {
        long[] dir = runDirectory;
        return dir != null && dir[0] == dev && dir[1] == ino;
    }
}
