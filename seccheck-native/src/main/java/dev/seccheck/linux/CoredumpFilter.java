package dev.seccheck.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CoredumpFilter reads and sets this process's {@code /proc/self/coredump_filter}: which mappings
 * a core dump contains. A program executed from this process's memory (a posix_spawn child shares
 * it until its execve) starts with this process's filter, and HotSpot sets bits of its own (2 and
 * 3, file-backed mappings), so {@link Spawn} sets the caller's for the time of a spawn. A kernel
 * without the file (no ELF core dumps) has nothing to set: the calls then do nothing.
 */
final class CoredumpFilter {
    private CoredumpFilter() {}

    private static final Path FILE = Path.of("/proc/self/coredump_filter");

    /** Sets the filter to {@code filter}; returns the one it replaced (for {@link #restore}), or null when nothing was set. */
    static String set(long filter) {
        try {
            String own = Files.readString(FILE).trim();
            if (Long.parseLong(own, 16) == filter) {
                return null;
            }
            Files.writeString(FILE, "0x" + Long.toHexString(filter));
            return own;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Sets back the filter {@link #set} returned. */
    static void restore(String own) {
        try {
            Files.writeString(FILE, "0x" + own);
        } catch (IOException e) {
            // This process's own core dump, if it ever makes one, has the caller's filter: no harm to the run.
        }
    }
}
