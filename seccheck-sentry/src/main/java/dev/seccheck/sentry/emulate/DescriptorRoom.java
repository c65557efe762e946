package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.PathCalls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

/**
 * DescriptorRoom tells whether a task could be given one more descriptor: a free slot in its
 * table below its RLIMIT_NOFILE. The kernel's open (and accept) reserves that slot before it looks
 * at the path, so a program out of descriptors fails with EMFILE having created, truncated or
 * opened nothing. seccheck opens the object first and installs it after (ADDFD, whose EMFILE then
 * comes too late: the file was made or emptied); so before an open with an effect it asks here.
 *
 * <p>Cheaply, since every creating or truncating open asks: the limit with prlimit64, which an
 * emulation thread with the program's effective ids but seccheck's real ones may not ask (root
 * supervising another user's program): then with seccheck's own credentials for that one call
 * ({@link Identity#anchor}), and from {@code /proc/TID/limits} if that is refused too; the count
 * of the calling thread's open descriptors (its own table, which may not be its process's) as the
 * size of {@code /proc/TID/fd} (Linux 6.2+), one stat that asks no permission. Fewer descriptors
 * than the limit leave a slot below it. Only a table that holds as many as the limit, or a kernel
 * that does not count, is listed ({@code /proc/TID/fd}) to see which of them are below the limit.
 *
 * <p>What this guarantees: a table full when the check is made gives EMFILE with no effect, as
 * natively. Not that the table stays so: another thread of the program that opens descriptors
 * between the check and the install (microseconds) can still fill it, and the install then fails
 * with EMFILE after the effect. The kernel would have reserved the slot first and failed the other
 * thread's open instead; seccheck logs a line then ({@link OpenEmulation}). A slot another thread's
 * open has reserved but not yet filled is counted, but not listed, so a table that is listed can
 * still show room the kernel has given away. A table that cannot be read (a non-dumpable program under an unprivileged seccheck)
 * is taken to have room: the open goes on as before this check.
 */
final class DescriptorRoom {
    private DescriptorRoom() {}

    private static final String LINE = "Max open files";

    /** Whether this kernel gives the count of a task's descriptors as the size of /proc/PID/fd (6.2+). */
    private static final boolean COUNTED = counted();

    private static boolean counted() {
        PathCalls.Stat own = new PathCalls().stat("/proc/self/fd");
        return own != null && own.size() > 0; // this JVM has descriptors open: 0 is a kernel that does not count
    }

    /**
     * Whether thread {@code tid}'s table is known to have no free slot below its process's
     * RLIMIT_NOFILE; false when it has one or it cannot be read (a task gone: the install says so).
     */
    static boolean full(PathCalls calls, int tid) {
        // A descriptor limit never passes the kernel's nr_open (at most 2^30): an int holds it.
        long limit = Identity.anchor(() -> (int) Math.min(calls.softLimit(tid, PathCalls.RLIMIT_NOFILE), Integer.MAX_VALUE));
        if (limit < 0) {
            limit = limitFromProc(calls, tid).orElse(-1);
            if (limit < 0) {
                return false;
            }
        }
        if (COUNTED) {
            // The size counts the slots open or reserved by an open in progress (the kernel's open_fds).
            PathCalls.Stat fds = calls.stat("/proc/" + tid + "/fd");
            if (fds == null || fds.size() < limit) {
                return false;
            }
        }
        int dir = Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir < 0) {
            return false;
        }
        try {
            List<String> open = calls.names(dir);
            return open != null && !hasRoom(limit, open);
        } finally {
            PathCalls.close(dir);
        }
    }

    /** The soft RLIMIT_NOFILE of thread {@code tid}'s process, read from /proc; empty when unreadable. */
    private static OptionalLong limitFromProc(PathCalls calls, int tid) {
        int fd = calls.openat(AT_FDCWD, "/proc/" + tid + "/limits", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return OptionalLong.empty();
        }
        byte[] text = new byte[4096];
        int n;
        try {
            n = calls.pread(fd, text, 0);
        } finally {
            PathCalls.close(fd);
        }
        return n <= 0 ? OptionalLong.empty() : FileSizeLimit.soft(new String(text, 0, n, StandardCharsets.ISO_8859_1), LINE);
    }

    /**
     * Whether a table holding the descriptors named {@code open} (the names of a /proc/TID/fd) has
     * a free slot below {@code limit}: fewer than {@code limit} of them are below it. Descriptors
     * at or past the limit (opened before it was lowered) take no slot the kernel would give.
     */
    static boolean hasRoom(long limit, List<String> open) {
        long below = 0;
        for (String name : open) {
            try {
                if (Long.parseLong(name) < limit) {
                    below++;
                }
            } catch (NumberFormatException e) {
                // not a descriptor: /proc/TID/fd lists nothing else
            }
        }
        return below < limit;
    }
}
