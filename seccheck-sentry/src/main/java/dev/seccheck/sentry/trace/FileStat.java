package dev.seccheck.sentry.trace;

import dev.seccheck.proto.common.Timespec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

/**
 * FileStat reads the attributes of a file a point describes (a mapped file, an executed
 * binary, a standard stream): a file the program may have removed or made unreadable, so a
 * failure leaves the point's stat fields out rather than failing the point.
 */
final class FileStat {
    private FileStat() {}

    /** The {@code unix:} attributes named in {@code which} (e.g. {@code "unix:ino,dev"}), or null when unreadable. */
    static Map<String, Object> read(Path p, String which) {
        try {
            return Files.readAttributes(p, which);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** A file time as gVisor's Timespec: whole seconds since the epoch, and the nanoseconds past them. */
    static Timespec timespec(FileTime t) {
        Instant i = t.toInstant();
        return Timespec.newBuilder().setSec(i.getEpochSecond()).setNsec(i.getNano()).build();
    }
}
