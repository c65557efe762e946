package dev.seccheck.sentry.trace;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.proto.common.Timespec;
import java.nio.file.Path;

/**
 * FileStat reads the attributes of a file a point describes (a mapped file, an executed
 * binary, a standard stream): a file the program may have removed or made unreadable, so a
 * failure leaves the point's stat fields out rather than failing the point. One stat(2) into a
 * buffer of the calling thread: the JDK's attribute map cost the tracer ~25 us at every exec.
 */
final class FileStat {
    private FileStat() {}

    /** Each thread's buffers. */
    private static final ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);

    /** stat of {@code p}, following symlinks (and /proc's magic links), or null when unreadable. */
    static PathCalls.Stat of(Path p) {
        try {
            return CALLS.get().stat(p.toString());
        } catch (IllegalArgumentException longerThanPathMax) {
            return null;
        }
    }

    /** A time in nanoseconds since the epoch as gVisor's Timespec: whole seconds, and the nanoseconds past them. */
    static Timespec timespec(long ns) {
        return Timespec.newBuilder().setSec(Math.floorDiv(ns, 1_000_000_000L)).setNsec((int) Math.floorMod(ns, 1_000_000_000L))
                .build();
    }
}
