package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.FsCredentials;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Identity is what the kernel checks a program's open against: its fsuid, fsgid, supplementary
 * groups and umask, read from {@code /proc/TID/status} at each emulated call (never cached: a
 * thread may have changed them; only the file stays open, see {@link TaskFiles}). {@link #assume}
 * gives them to the calling emulation thread, which has its own fs_struct (see
 * {@link FsCredentials#unshareFs}) so the umask is its own; {@link Assumed#close} restores
 * seccheck's. Unprivileged, seccheck already has the program's uid and groups and changes only
 * the umask; as root it changes nothing when the program's ids are its own.
 */
record Identity(int fsuid, int fsgid, int[] groups, int umask) {

    /** The umask of an identity that leaves the thread's umask alone (nothing it opens is created). */
    private static final int KEEP_UMASK = -1;

    /**
     * Returns the identity an open must assume, read from the task's status through
     * {@code files}, or empty when the task is gone. Unprivileged, seccheck already has the
     * program's uid and groups, so an open that creates nothing needs nothing from /proc (the umask
     * matters only to a creation). As root, an open that creates nothing by a thread whose fsuid is
     * 0 needs only that thread's fsgid, which its pidfd tells for a tenth of the status's cost
     * ({@link TaskFiles#readIds}): with fsuid 0 seccheck keeps root's capabilities, which decide
     * such an open whatever the groups; any other fsuid needs the groups, from the status.
     */
    static Optional<Identity> of(TaskFiles files, int tid, Own own, boolean creates) {
        if (!own.root() && !creates) {
            return Optional.of(new Identity(own.fsuid(), own.fsgid(), own.groups(), KEEP_UMASK));
        }
        if (!creates) {
            int r = files.readIds(tid);
            if (r == -Errno.ESRCH) {
                return Optional.empty();
            }
            if (r == 0 && files.fsuid() == 0) {
                // fsuid 0: root's capabilities decide the open (see assume), its groups cannot.
                return Optional.of(new Identity(0, files.fsgid(), own.groups(), KEEP_UMASK));
            }
        }
        int len = files.readStatus(tid);
        Optional<Identity> read = len < 0 ? Optional.empty() : parse(files.status(), len);
        return creates ? read : read.map(i -> new Identity(i.fsuid(), i.fsgid(), i.groups(), KEEP_UMASK));
    }

    /** Reads the identity a status file (in /proc's format) gives, or empty when it cannot be read or lacks Uid or Gid. */
    static Optional<Identity> ofStatus(String file) {
        byte[] raw;
        try {
            raw = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(file));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return parse(raw, raw.length);
    }

    /**
     * The identity in {@code raw[0, len)}, a status file's text, or empty without its Uid or Gid
     * line. Only the four lines needed are picked out of the raw bytes ({@link Procfs#numbers}):
     * a general parse of the whole file (a map of its fifty-odd fields) cost more than the rest of
     * an emulated open.
     */
    static Optional<Identity> parse(byte[] raw, int len) {
        long[] uid = Procfs.numbers(raw, len, "Uid:", 10);
        long[] gid = Procfs.numbers(raw, len, "Gid:", 10);
        if (uid == null || uid.length < 4 || gid == null || gid.length < 4) {
            return Optional.empty();
        }
        long[] groups = Procfs.numbers(raw, len, "Groups:", 10);
        long[] umask = Procfs.numbers(raw, len, "Umask:", 8); // octal, "0022"
        int[] g = new int[groups == null ? 0 : groups.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (int) groups[i];
        }
        return Optional.of(new Identity((int) uid[3], (int) gid[3], g,
                umask == null || umask.length == 0 ? 022 : (int) umask[0]));
    }

    /**
     * Own is what an emulation thread restores after {@link #assume}: whether seccheck runs as
     * root (only then does it switch fsuid, fsgid and groups) and its own ids.
     */
    record Own(boolean root, int fsuid, int fsgid, int[] groups) {
        /** Reads the calling thread's: setfsuid(-1) and setfsgid(-1) change nothing and return the current ids. */
        static Own current() {
            int fsuid = FsCredentials.setfsuid(-1);
            return new Own(fsuid == 0, fsuid, FsCredentials.setfsgid(-1), FsCredentials.getgroups());
        }

        /** Whether {@code id}'s fsuid, fsgid and groups are these: opening as it needs no switch. */
        boolean sameIds(Identity id) {
            return id.fsuid() == fsuid && id.fsgid() == fsgid && Arrays.equals(id.groups(), groups);
        }
    }

    /** Undoes {@link #assume}. */
    interface Assumed extends AutoCloseable {
        @Override
        void close();
    }

    /** What {@link #assume} returns when it changed nothing. */
    private static final Assumed NOTHING = () -> {};

    /**
     * Makes the calling thread open as this identity. As root, per-thread setfsgid, setgroups and
     * setfsuid (in that order: the groups need CAP_SETGID, which a non-zero fsuid does not remove),
     * unless they are seccheck's own already: then (the commonest case, a program run as the user
     * running seccheck) an open that creates nothing costs no credential switch at all. The switch
     * of fsuid 0 to 0 would not have changed root's file capabilities either.
     */
    Assumed assume(Own own) {
        boolean ids = own.root() && !own.sameIds(this);
        if (umask == KEEP_UMASK && !ids) {
            return NOTHING;
        }
        int oldMask = umask == KEEP_UMASK ? KEEP_UMASK : FsCredentials.umask(umask);
        if (!ids) {
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
            if (oldMask != KEEP_UMASK) {
                FsCredentials.umask(oldMask);
            }
        };
    }
}
