package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.FsCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Identity is what the kernel checks a program's open against: its fsuid, fsgid, supplementary
 * groups and umask, read from {@code /proc/TID/status} at each emulated call (never cached: a
 * thread may have changed them). {@link #assume} gives them to the calling emulation thread,
 * which has its own fs_struct (see {@link FsCredentials#unshareFs}) so the umask is its own;
 * {@link Assumed#close} restores seccheck's. Unprivileged, seccheck already has the program's
 * uid and groups and changes only the umask.
 */
record Identity(int fsuid, int fsgid, int[] groups, int umask) {

    /** The umask of an identity that leaves the thread's umask alone (nothing it opens is created). */
    private static final int KEEP_UMASK = -1;

    /**
     * Returns the identity an open must assume. Unprivileged, seccheck already has the program's
     * uid and groups, so an open that creates nothing needs nothing from /proc (the umask matters
     * only to a creation): reading and parsing the task's status was a good part of an emulated
     * open's cost. Otherwise as {@link #of(int)}.
     */
    static Optional<Identity> of(int tid, Own own, boolean creates) {
        if (!own.root() && !creates) {
            return Optional.of(new Identity(own.fsuid(), -1, own.groups(), KEEP_UMASK));
        }
        return of(tid);
    }

    /**
     * Reads the identity of task {@code tid}, or empty when it is gone. Only the four lines needed
     * are picked out of the raw bytes: a general parse of the whole file (a map of its fifty-odd
     * fields) cost more than the rest of an emulated open together.
     */
    static Optional<Identity> of(int tid) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc/" + tid + "/status"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        long[] uid = numbers(raw, "Uid:");
        long[] gid = numbers(raw, "Gid:");
        long[] groups = numbers(raw, "Groups:");
        long[] umask = numbers(raw, "Umask:");
        if (uid == null || gid == null || uid.length < 4 || gid.length < 4) {
            return Optional.empty();
        }
        int[] g = groups == null ? new int[0] : Arrays.stream(groups).mapToInt(x -> (int) x).toArray();
        // Umask is octal ("0022"): read as decimal digits, then converted.
        int mask = umask == null || umask.length == 0 ? 022 : Integer.parseInt(Long.toString(umask[0]), 8);
        return Optional.of(new Identity((int) uid[3], (int) gid[3], g, mask));
    }

    /** The whitespace-separated decimal numbers of the line starting with {@code key}, or null without it. */
    static long[] numbers(byte[] raw, String key) {
        int at = lineStart(raw, key.getBytes(StandardCharsets.US_ASCII));
        if (at < 0) {
            return null;
        }
        long[] out = new long[8];
        int n = 0;
        int i = at + key.length();
        while (i < raw.length && raw[i] != '\n') {
            if (raw[i] >= '0' && raw[i] <= '9') {
                long v = 0;
                while (i < raw.length && raw[i] >= '0' && raw[i] <= '9') {
                    v = v * 10 + (raw[i++] - '0');
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = v;
            } else {
                i++;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int lineStart(byte[] raw, byte[] key) {
        for (int i = 0; i + key.length <= raw.length; i++) {
            if (i == 0 || raw[i - 1] == '\n') {
                if (Arrays.equals(raw, i, i + key.length, key, 0, key.length)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Own is what an emulation thread restores after {@link #assume}: whether seccheck runs as
     * root (only then does it switch fsuid, fsgid and groups) and its own groups.
     */
    record Own(boolean root, int fsuid, int[] groups) {
        /** Reads the calling thread's. */
        static Own current() {
            int fsuid = FsCredentials.setfsuid(-1);
            return new Own(fsuid == 0, fsuid, FsCredentials.getgroups());
        }
    }

    /** Undoes {@link #assume}. */
    interface Assumed extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes the calling thread open as this identity. As root, per-thread setfsgid, setgroups and
     * setfsuid (in that order: the groups need CAP_SETGID, which a non-zero fsuid does not remove).
     */
    Assumed assume(Own own) {
        if (umask == KEEP_UMASK && !own.root()) {
            return () -> {};
        }
        int oldMask = FsCredentials.umask(umask);
        if (!own.root()) {
            return () -> FsCredentials.umask(oldMask);
        }
        int oldGid = FsCredentials.setfsgid(fsgid);
        long g = FsCredentials.setgroups(groups);
        if (g < 0) {
            throw new IllegalStateException("setgroups for an emulated open failed: errno " + -g);
        }
        int oldUid = FsCredentials.setfsuid(fsuid);
        return () -> {
            FsCredentials.setfsuid(oldUid);
            FsCredentials.setgroups(own.groups());
            FsCredentials.setfsgid(oldGid);
            FsCredentials.umask(oldMask);
        };
    }
}
