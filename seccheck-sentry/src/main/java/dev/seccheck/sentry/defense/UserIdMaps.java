package dev.seccheck.sentry.defense;

import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * UserIdMaps tells which user a number a task passes names, as seccheck numbers users. The kernel
 * reads the user id of {@code setpriority(PRIO_USER, who)} and {@code ioprio_set(IOPRIO_WHO_USER,
 * who)} in the caller's user namespace: a program that made a namespace of its own and mapped its
 * user there as 5 names seccheck's user, and with it every thread of seccheck, by 5. In seccheck's
 * own namespace a number is itself; in another, it goes through that namespace's {@code uid_map},
 * which seccheck reads from outside (its ranges then start at seccheck's numbers). A map is written
 * once: a number it maps stays mapped, but a namespace whose map is not written yet names no user
 * now and may name seccheck's the moment after, which the caller answers as it must
 * ({@link #NOT_WRITTEN}).
 */
public final class UserIdMaps {
    /** The number names no user: the task's namespace maps it to none, for good. */
    public static final long UNMAPPED = -1;
    /** The task's namespace has no map yet: the number names no user until one is written. */
    public static final long NOT_WRITTEN = -2;
    /** The task's namespace or map could not be read (it ended), or maps to a user seccheck cannot number. */
    public static final long UNKNOWN = -3;

    /** What uid_map shows for a user the reader's namespace does not map: (u32) -1. */
    private static final long NO_USER_HERE = 0xffffffffL;

    /** seccheck's user namespace, as its {@code ns/user} link names it; null where that cannot be read. */
    private final String ownNamespace = Procfs.link(ProcessHandle.current().pid(), "ns/user").orElse(null);

    /**
     * The user that {@code id} (an unsigned 32-bit user id) names for task {@code tid}, by
     * seccheck's numbers; else {@link #UNMAPPED}, {@link #NOT_WRITTEN} or {@link #UNKNOWN}.
     */
    public long uid(int tid, long id) {
        String namespace = Procfs.link(tid, "ns/user").orElse(null);
        if (namespace == null || ownNamespace == null) {
            return UNKNOWN;
        }
        if (namespace.equals(ownNamespace)) {
            return id;
        }
        try {
            return throughMap(Files.readString(Path.of("/proc", Integer.toString(tid), "uid_map")), id);
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    /**
     * {@code id} through {@code map}, a {@code uid_map} read from outside its namespace: lines of
     * the first id inside, the first outside and the count. A {@code gid_map} reads the same.
     */
    public static long throughMap(String map, long id) {
        if (map.isBlank()) {
            return NOT_WRITTEN;
        }
        for (String line : map.strip().split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length != 3) {
                return UNKNOWN;
            }
            long inside;
            long outside;
            long count;
            try {
                inside = Long.parseLong(fields[0]);
                outside = Long.parseLong(fields[1]);
                count = Long.parseLong(fields[2]);
            } catch (NumberFormatException e) {
                return UNKNOWN;
            }
            if (id >= inside && id - inside < count) {
                // A range whose first user seccheck's namespace does not map is shown from (u32) -1:
                // where in it seccheck's own user lies cannot be told.
                return outside == NO_USER_HERE ? UNKNOWN : outside + (id - inside);
            }
        }
        return UNMAPPED;
    }
}
