package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.FsCredentials;
import dev.seccheck.linux.Procfs;
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

    /** Reads the identity of task {@code tid}, or empty when it is gone. */
    static Optional<Identity> of(int tid) {
        return Procfs.status(tid).flatMap(s -> {
            long[] uid = s.ids("Uid");
            long[] gid = s.ids("Gid");
            String umask = s.fields().get("Umask");
            if (uid == null || gid == null || uid.length < 4 || gid.length < 4) {
                return Optional.empty();
            }
            String g = s.fields().getOrDefault("Groups", "").trim();
            int[] groups = g.isEmpty() ? new int[0] : Arrays.stream(g.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            return Optional.of(new Identity((int) uid[3], (int) gid[3], groups,
                    umask == null ? 022 : Integer.parseInt(umask.trim(), 8)));
        });
    }

    /**
     * Own is what an emulation thread restores after {@link #assume}: whether seccheck runs as
     * root (only then does it switch fsuid, fsgid and groups) and its own groups.
     */
    record Own(boolean root, int[] groups) {
        /** Reads the calling thread's. */
        static Own current() {
            return new Own(FsCredentials.setfsuid(-1) == 0, FsCredentials.getgroups());
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
