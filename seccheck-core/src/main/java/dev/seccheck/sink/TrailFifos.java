package dev.seccheck.sink;

import dev.seccheck.abi.FileTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TrailFifos are the FIFOs this process's sinks write their lines to while they are open (a sink's
 * {@code path}, {@code seccheck run -o}, naming a FIFO), kept by device and inode. A program that
 * opened one for reading would take seccheck's lines from their reader, so the supervisor refuses
 * it that open (the sentry's {@code OutputPipes}), as it does for a pipe on seccheck's stdout or
 * stderr. Read on every open the supervisor performs of a FIFO for reading, so a session made
 * while the program runs counts from its start; without locks (a concurrent map).
 */
public final class TrailFifos {
    private TrailFifos() {}

    /** A FIFO as the kernel knows it. */
    private record Id(long dev, long ino) {}

    /** Each FIFO open as a trail, with how many trails write to it. */
    private static final Map<Id, Integer> OPEN = new ConcurrentHashMap<>();

    /** Returns whether any sink writes its lines to a FIFO now. */
    public static boolean any() {
        return !OPEN.isEmpty();
    }

    /** Returns whether a sink writes its lines to the FIFO of device {@code dev} and inode {@code ino} now. */
    public static boolean contains(long dev, long ino) {
        return OPEN.containsKey(new Id(dev, ino));
    }

    /**
     * Counts {@code path}, just opened to write a trail, when it is a FIFO; returns what {@link
     * #closed} takes when the trail is closed, or null for anything else. The name is looked at
     * after the open: before the program runs, it is the file opened.
     */
    static Object opened(Path path) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, "unix:dev,ino,mode");
        } catch (IOException | RuntimeException e) {
            return null; // gone already, or a JDK without the unix view: nothing is kept
        }
        if ((((Integer) a.get("mode")) & FileTypes.S_IFMT) != FileTypes.S_IFIFO) {
            return null;
        }
        Id id = new Id((Long) a.get("dev"), (Long) a.get("ino"));
        OPEN.merge(id, 1, Integer::sum);
        return id;
    }

    /** Uncounts a trail {@link #opened} returned {@code key} for (null: nothing). */
    static void closed(Object key) {
        if (key instanceof Id id) {
            OPEN.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
        }
    }
}
