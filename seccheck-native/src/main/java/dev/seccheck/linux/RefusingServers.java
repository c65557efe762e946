package dev.seccheck.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

    /**
     * The name of a {@code seccheck run}: its control socket refuses the run's own tasks, and every
     * run's control socket refuses the tasks a process of this name ptraces (a run takes the name
     * before its program starts, or does not start).
     */
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

    /**
     * The directory of this run's control socket and the runtime root that holds it, each as
     * {@code {dev, ino}}, or null: set once, read by emulation threads.
     */
    private static volatile long[][] runDirectories;

    /**
     * Records {@code dir}, the directory of this run's control socket, and its parent, the runtime
     * root where clients look the run up by name, as directories where no program of the run may
     * make a socket or change a name ({@link #isRunDirectory}): where seccheck makes a program's
     * bind and listen, the listener the kernel records is this process, the very pid a control
     * client trusts, so a program that put its own socket at the control socket's name (or its
     * own directory at the run's) would be taken for the run. Returns empty, or why it could not
     * (the directories then have no such protection).
     */
    public static Optional<String> keepSocketsOutOf(Path dir) {
        try {
            Path parent = dir.toAbsolutePath().getParent();
            runDirectories = parent == null ? new long[][] {id(dir)} : new long[][] {id(dir), id(parent)};
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    private static long[] id(Path dir) throws IOException {
        Map<String, Object> id = Files.readAttributes(dir, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        return new long[] {(Long) id.get("dev"), (Long) id.get("ino")};
    }

    /**
     * Whether the directory of device {@code dev} and inode {@code ino} is this run's control
     * socket's, or the runtime root holding it.
     */
    public static boolean isRunDirectory(long dev, long ino) {
        long[][] dirs = runDirectories;
        if (dirs == null) {
            return false;
        }
        for (long[] d : dirs) {
            if (d[0] == dev && d[1] == ino) {
                return true;
            }
        }
        return false;
    }

    /** The endpoints this process's remote sinks deliver to: no program of the run may listen there. */
    private static final Set<Path> ENDPOINTS = ConcurrentHashMap.newKeySet();

    /**
     * Records {@code endpoint}, where a sink of this process delivers points. A listen seccheck
     * makes for a program is recorded as this process's: a program that bound a socket there while
     * the server was away would be taken, by this very run's sink (whose own pid it is), for the
     * server, and get the run's points ({@link #isOwnEndpoint}).
     */
    public static void deliversTo(Path endpoint) {
        ENDPOINTS.add(endpoint.toAbsolutePath());
    }

    /**
     * Whether the file of device {@code dev} and inode number {@code ino32} (the low 32 bits, as
     * the kernel's socket diagnostics give it) is, now, at one of this process's endpoints.
     */
    public static boolean isOwnEndpoint(long dev, long ino32) {
        for (Path p : ENDPOINTS) {
            try {
                Map<String, Object> id = Files.readAttributes(p, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
                if ((Long) id.get("dev") == dev && ((Long) id.get("ino") & 0xffff_ffffL) == ino32) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // nothing there now
            }
        }
        return false;
    }

    /** Whether any endpoint is recorded ({@link #deliversTo}). */
    public static boolean deliversAnywhere() {
        return !ENDPOINTS.isEmpty();
    }
}
