package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadCredentials;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Identity is what the kernel checks a call against when seccheck makes it for a program's
 * thread (an open, a link, a connect, a bind, a send): the thread's user and group ids (real,
 * effective, saved, filesystem), supplementary groups, effective capabilities and umask, read at
 * each emulated call (never cached: a thread may have changed them; only the file stays open, see
 * {@link TaskFiles}). {@link #assume} gives them to the calling emulation thread, which has its
 * own fs_struct (see {@link ThreadCredentials#unshareFs}) so the umask is its own;
 * {@link Assumed#close} restores seccheck's.
 *
 * <p>Every part counts, not only the filesystem ids: a bind to a port below 1024 asks for
 * CAP_NET_BIND_SERVICE, the peer of a unix socket sees the connecting thread's effective ids
 * (SO_PEERCRED) and a datagram its real ones (SCM_CREDENTIALS), and a root program whose
 * capabilities were dropped must not open through seccheck what root's full set would let
 * through. Unprivileged (no capability, not root) seccheck already has the program's ids and no
 * capability it lacks, and changes only the umask; privileged, it changes nothing when the
 * program's credentials are its own (a root program with root's capabilities).
 *
 * @param uids real, effective, saved and filesystem user ids
 * @param gids real, effective, saved and filesystem group ids
 * @param caps the effective capabilities, one bit each
 * @param umask the umask, or {@link #KEEP_UMASK} when nothing the call makes needs it
 */
record Identity(int[] uids, int[] gids, int[] groups, long caps, int umask) {

    /** The umask of an identity that leaves the thread's umask alone (nothing it opens is created). */
    static final int KEEP_UMASK = -1;
    /** CAP_SETGID's bit: a thread holding it could take any groups itself. */
    private static final long CAP_SETGID = 1L << 6;
    /** CAP_SETFCAP's bit. */
    private static final long CAP_SETFCAP = 1L << 31;

    /** The filesystem user id: the owner of what it creates, and whose permissions a walk has. */
    int fsuid() {
        return uids[3];
    }

    /** The filesystem group id. */
    int fsgid() {
        return gids[3];
    }

    /**
     * Returns the identity a call must assume, or empty when the task is gone. Unprivileged,
     * seccheck already has the program's ids, so a call that creates nothing needs nothing read
     * (the umask matters only to a creation). Privileged, a call that creates nothing first asks
     * the thread's pidfd for its ids ({@link TaskFiles#readIds}, a tenth of the status's cost) and
     * {@code capget} for its capabilities: when both are seccheck's own and include CAP_SETGID
     * (so the thread could take any groups itself), nothing differs that could matter and
     * nothing more is read. Otherwise the status tells everything at once, groups and umask too.
     * The capabilities of a thread in another user namespace than seccheck's are taken as none
     * (but CAP_SETFCAP for an open, see {@link #of(TaskFiles, int, Own, boolean, boolean)}).
     */
    static Optional<Identity> of(TaskFiles files, int tid, Own own, boolean creates) {
        return of(files, tid, own, creates, false);
    }

    /**
     * As {@link #of(TaskFiles, int, Own, boolean)}; for an open ({@code opens}) a thread in another
     * user namespace keeps CAP_SETFCAP, which the kernel asks of the opener of a uid_map that maps
     * host root (in the parent namespace, where the program itself passes because its namespace's
     * creator had it: {@code unshare -Ur} as root; where the creator lacked it, the open drops it
     * again, {@link UserNamespaceFiles}). No other call may keep it: a setxattr of
     * {@code security.capability} made with it writes a capability that holds in every namespace
     * (v2) where the program natively writes one that holds only in its own (v3, its root's id):
     * a program run as uid 65534 in a user namespace of its own gave a file of its own
     * CAP_DAC_READ_SEARCH that way, and read root's files with it after the run.
     */
    static Optional<Identity> of(TaskFiles files, int tid, Own own, boolean creates, boolean opens) {
        return of(files, tid, own, creates, opens, false);
    }

    /**
     * As {@link #of(TaskFiles, int, Own, boolean, boolean)}; for a call whose peer is shown the
     * caller's supplementary groups ({@code groupsShown}: a unix socket's connect or listen, whose
     * peer reads them with SO_PEERGROUPS), the groups are read even when everything else is
     * seccheck's own: a root program that set groups of its own showed seccheck's to its peer
     * (red-team round 23). Elsewhere such a program's groups change nothing its capabilities do not
     * already grant.
     */
    static Optional<Identity> of(TaskFiles files, int tid, Own own, boolean creates, boolean opens,
            boolean groupsShown) {
        if (!own.privileged() && !creates) {
            return Optional.of(own.identity());
        }
        // A thread in a user namespace of its own has its capabilities there: in seccheck's it has
        // none (what it owns there, seccheck's thread owns too, as the namespace's owner); an open
        // keeps CAP_SETFCAP (above).
        boolean ownNamespace = own.privileged() && files.inOwnUserNamespace(tid);
        if (!creates && !groupsShown) {
            int r = files.readIds(tid);
            if (r == -Errno.ESRCH) {
                return Optional.empty();
            }
            long[] caps = new long[3];
            if (ownNamespace && r == 0 && ThreadCredentials.capget(tid, caps) == 0 && caps[0] == own.effective()
                    && (caps[0] & CAP_SETGID) != 0 && same(files.uids(), own.uids()) && same(files.gids(), own.gids())) {
                return Optional.of(own.identity());
            }
        }
        int len = files.readStatus(tid);
        Optional<Identity> read = len < 0 ? Optional.empty() : parse(files.status(), len);
        return read.map(i -> new Identity(i.uids(), i.gids(), i.groups(), ownNamespace ? i.caps() : opens ? i.caps() & CAP_SETFCAP : 0,
                creates ? i.umask() : KEEP_UMASK));
    }

    private static boolean same(long[] read, int[] own) {
        for (int i = 0; i < own.length; i++) {
            if (read[i] != Integer.toUnsignedLong(own[i])) {
                return false;
            }
        }
        return true;
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
     * line. Only the lines needed are picked out of the raw bytes ({@link Procfs#numbers}): a
     * general parse of the whole file (a map of its fifty-odd fields) cost more than the rest of
     * an emulated open. A status without a readable CapEff line gives no capability (a call then
     * has fewer rights than the program, never more).
     */
    static Optional<Identity> parse(byte[] raw, int len) {
        long[] uid = Procfs.numbers(raw, len, "Uid:", 10);
        long[] gid = Procfs.numbers(raw, len, "Gid:", 10);
        if (uid == null || uid.length < 4 || gid == null || gid.length < 4) {
            return Optional.empty();
        }
        long[] groups = Procfs.numbers(raw, len, "Groups:", 10);
        long[] umask = Procfs.numbers(raw, len, "Umask:", 8); // octal, "0022"
        long caps = Procfs.hex(raw, len, "CapEff:").orElse(0);
        int[] g = new int[groups == null ? 0 : groups.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (int) groups[i];
        }
        return Optional.of(new Identity(ints(uid), ints(gid), g, caps,
                umask == null || umask.length == 0 ? 022 : (int) umask[0]));
    }

    private static int[] ints(long[] four) {
        return new int[] {(int) four[0], (int) four[1], (int) four[2], (int) four[3]};
    }

    /**
     * Own is seccheck's credentials, read once from the thread that makes the emulator, which an
     * emulation thread restores after {@link #assume}: whether it is privileged (root, or holding
     * any capability: only then can and must it change more than the umask), its ids, groups and
     * capability sets.
     */
    record Own(boolean privileged, int[] uids, int[] gids, int[] groups, long effective, long permitted,
            long inheritable) {

        /** Reads the calling thread's. */
        static Own current() {
            long[] caps = new long[3];
            long r = ThreadCredentials.capget(0, caps);
            if (r < 0) {
                throw new IllegalStateException("capget failed: errno " + -r);
            }
            int[] uids = ThreadCredentials.uids();
            boolean root = Arrays.stream(uids).anyMatch(u -> u == 0);
            return new Own(root || caps[0] != 0 || caps[1] != 0, uids, ThreadCredentials.gids(),
                    ThreadCredentials.getgroups(), caps[0], caps[1], caps[2]);
        }

        /** Seccheck's own identity, with the umask left alone. */
        Identity identity() {
            return new Identity(uids, gids, groups, effective, KEEP_UMASK);
        }

        /** Whether every credential of {@code id} is seccheck's: calling as it needs no switch. */
        boolean sameCredentials(Identity id) {
            return Arrays.equals(id.uids(), uids) && Arrays.equals(id.gids(), gids) && id.caps() == effective
                    && Arrays.equals(id.groups(), groups);
        }

        /**
         * Gives the calling thread seccheck's own credentials, whatever it was made with. A new
         * thread has its creator's credentials, and an emulation thread makes threads (a pool's, a
         * confined one) while it has a program's: such a thread would call as that program for
         * good, and could not take another's (uid 65534 has no CAP_SETGID for setgroups). The
         * saved user id is seccheck's even then ({@link #assume}), so they can be taken back.
         * Nothing when seccheck is not privileged: it changes only umasks, and each thread has
         * its own.
         */
        void reclaim() {
            if (!privileged) {
                return;
            }
            long[] caps = new long[3];
            int[] now = ThreadCredentials.uids();
            if (Arrays.equals(now, uids) && Arrays.equals(ThreadCredentials.gids(), gids)
                    && Arrays.equals(ThreadCredentials.getgroups(), groups) && ThreadCredentials.capget(0, caps) == 0
                    && caps[0] == effective && caps[1] == permitted && caps[2] == inheritable) {
                return;
            }
            restore(this, now, -1);
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
     * Makes the calling thread call as this identity: its umask, and, when seccheck is privileged
     * and the credentials differ, all of them but the real user and group ids, which stay
     * seccheck's. Only a datagram's SCM_CREDENTIALS shows those ({@link #assumeToSend}); the kernel
     * lets a process signal a thread whose real or saved uid is its own, so the thread keeps
     * seccheck's unless the call needs the program's. An open that creates nothing, by a program
     * run as seccheck's user (the commonest case), costs no switch at all.
     */
    Assumed assume(Own own) {
        return withRealIds(own.uids()[0], own.gids()[0]).assumeWhole(own);
    }

    /**
     * As {@link #assume}, and the program's real ids too: for a send with an address, whose
     * receiver may read them (SCM_CREDENTIALS). While it lasts, the program may signal this thread.
     */
    Assumed assumeToSend(Own own) {
        return assumeWhole(own);
    }

    /**
     * This identity with effective uid {@code euid}, the others (the filesystem uid above all) kept:
     * for a call on a program's socket whose check the kernel answers, for the owner of a user
     * namespace, with every capability ({@link SocketCapabilities}). Only the owner's effective
     * uid counts there, and the kernel shows it nowhere such a call reaches but a unix peer's
     * SO_PEERCRED, which asks no capability over a namespace and is never made so.
     */
    Identity withEffectiveUid(int euid) {
        int[] u = uids.clone();
        u[1] = euid;
        return new Identity(u, gids, groups, caps, umask);
    }

    /**
     * This identity without the capabilities {@code bits}: for an open of a {@code uid_map} whose
     * namespace's maker lacked CAP_SETFCAP ({@link UserNamespaceFiles}).
     */
    Identity without(long bits) {
        return (caps & bits) == 0 ? this : new Identity(uids, gids, groups, caps & ~bits, umask);
    }

    /**
     * This identity with the capabilities {@code bits} too: for an open of a memory file of the
     * caller's own process, which the kernel lets the program make whatever its credentials say,
     * but not seccheck's thread ({@link PtraceAccess}).
     */
    Identity with(long bits) {
        return (caps & bits) == bits ? this : new Identity(uids, gids, groups, caps | bits, umask);
    }

    private Identity withRealIds(int uid, int gid) {
        if (uids[0] == uid && gids[0] == gid) {
            return this;
        }
        int[] u = uids.clone();
        int[] g = gids.clone();
        u[0] = uid;
        g[0] = gid;
        return new Identity(u, g, groups, caps, umask);
    }

    private Assumed assumeWhole(Own own) {
        boolean switchIds = own.privileged() && !own.sameCredentials(this);
        if (umask == KEEP_UMASK && !switchIds) {
            return NOTHING;
        }
        int oldMask = umask == KEEP_UMASK ? KEEP_UMASK : ThreadCredentials.umask(umask);
        Assumed mask = oldMask == KEEP_UMASK ? NOTHING : () -> ThreadCredentials.umask(oldMask);
        if (!switchIds) {
            return mask;
        }
        // Switched while another switch holds (UserNamespaceFiles: an open made with another
        // effective uid than its walk's): seccheck's own credentials first, which every step of
        // take needs, and the other's again at close.
        Switched outer = TAKEN.get();
        if (outer != null) {
            outer.release();
        }
        long effective;
        try {
            effective = take(own);
        } catch (IllegalStateException e) {
            restore(own, uids, -1);
            if (outer != null) {
                outer.retake();
            }
            mask.close();
            throw e;
        }
        Switched taken = new Switched(own, effective, mask, outer);
        TAKEN.set(taken);
        return taken;
    }

    /**
     * The program's credentials the calling thread holds now ({@link #assume}), if any: kept per
     * thread, as the kernel keeps credentials, so that an anchor can be taken with seccheck's own
     * for a moment ({@link #anchor}).
     */
    private static final ThreadLocal<Switched> TAKEN = new ThreadLocal<>();

    /**
     * Runs {@code open}, which takes one of the program's own starting points (its thread's cwd
     * or root through {@code /proc/TID/}, or one of its fds through {@code pidfd_getfd}): our fd or
     * -errno. When it is refused (EACCES, EPERM) while the calling thread holds a program's
     * credentials, it is run once more with seccheck's own. The kernel asks ptrace access for
     * these, and a program that changed its effective or filesystem ids is not dumpable, so
     * only CAP_SYS_PTRACE passes, which the program's credentials lack once its uid left 0;
     * natively the program uses its own cwd, root and fds with no check at all. Nothing more
     * than the anchor is taken so: the walk from it, and the open at its end, are made with the
     * program's credentials again.
     */
    static int anchor(IntSupplier open) {
        int r = open.getAsInt();
        if (r != -Errno.EACCES && r != -Errno.EPERM) {
            return r;
        }
        Switched taken = TAKEN.get();
        return taken == null ? r : taken.asOwn(open::getAsInt);
    }

    /** As {@link #anchor(IntSupplier)} for a read of a starting point's name ({@code readlink}), null when refused. */
    static String anchorName(Supplier<String> read) {
        String r = read.get();
        Switched taken = TAKEN.get();
        return r != null || taken == null ? r : taken.asOwn(read);
    }

    /**
     * Runs {@code call}, a look-up of the kernel's records made for seccheck itself (statmount of a
     * program's mount), with seccheck's own credentials when the calling thread holds a program's:
     * what it returns is seccheck's to judge and never reaches the program, and the program's
     * credentials (a root program with its capabilities dropped) would be refused it.
     */
    static <T> T asOwn(Supplier<T> call) {
        Switched taken = TAKEN.get();
        return taken == null ? call.get() : taken.asOwn(call);
    }

    /** An {@link Assumed} switch of the ids, which can hand the thread seccheck's own back for one call. */
    private final class Switched implements Assumed {
        private final Own own;
        private final Assumed mask;
        private final Switched outer;
        private long effective;

        Switched(Own own, long effective, Assumed mask, Switched outer) {
            this.own = own;
            this.effective = effective;
            this.mask = mask;
            this.outer = outer;
        }

        /** Runs {@code call} with seccheck's credentials, then takes the program's again. */
        <T> T asOwn(Supplier<T> call) {
            restore(own, uids, effective);
            try {
                return call.get();
            } finally {
                effective = take(own);
            }
        }

        /** Gives the thread seccheck's own credentials, for an inner switch to take another's. */
        private void release() {
            restore(own, uids, effective);
        }

        /** Takes this identity's credentials again, after an inner switch gave the thread seccheck's back. */
        private void retake() {
            effective = take(own);
        }

        @Override
        public void close() {
            if (outer == null) {
                TAKEN.remove();
            } else {
                TAKEN.set(outer);
            }
            restore(own, uids, effective);
            if (outer != null) {
                outer.retake(); // the switch it was made within (assumeWhole) holds again
            }
            mask.close();
        }
    }

    /**
     * Takes this identity's credentials on the calling thread (per-thread system calls) and
     * returns its effective capabilities then. The groups go first, while the thread still holds
     * CAP_SETGID. The saved user id stays seccheck's: a thread that keeps a saved id of 0 keeps its
     * permitted capabilities, so it can take them back (and its ids) afterwards; no call seccheck
     * makes for the program looks at it. Each call is made only when it changes something (a
     * switch is about 2 us a call, most of it the kernel's new credentials): setres[ug]id set the
     * filesystem id to the effective one, and the kernel clears the effective capabilities when
     * the effective uid leaves 0 (and gives back the permitted ones when it returns to 0).
     */
    private long take(Own own) {
        check("setresgid", ThreadCredentials.setresgid(gids[0], gids[1], gids[2]));
        if (gids[3] != gids[1]) {
            ThreadCredentials.setfsgid(gids[3]);
        }
        check("setgroups", ThreadCredentials.setgroups(groups));
        check("setresuid", ThreadCredentials.setresuid(uids[0], uids[1], own.uids()[2]));
        long effective = own.uids()[1] == 0 && uids[1] != 0 ? 0 : own.effective();
        if (uids[3] != uids[1]) {
            // setfsuid needs CAP_SETUID for an id that is none of the thread's others, and leaving
            // fsuid 0 drops the filesystem capabilities: the set is given whole just below.
            check("capset", ThreadCredentials.capset(own.permitted(), own.permitted(), own.inheritable()));
            ThreadCredentials.setfsuid(uids[3]);
            effective = -1;
        }
        long want = caps & own.permitted();
        if (effective != want) {
            check("capset", ThreadCredentials.capset(want, own.permitted(), own.inheritable()));
        }
        return want;
    }

    /**
     * Gives the calling thread seccheck's credentials back, in the order that keeps the rights each
     * step needs: the user ids first (0 is the thread's saved id, so no capability is needed, and
     * the effective uid coming back to 0 gives back the permitted capabilities), then the groups
     * (CAP_SETGID, raised first when the program's capabilities lacked it), then the effective set.
     *
     * @param from the user ids the thread had taken
     * @param effective its effective capabilities then; -1 when not known
     */
    private static void restore(Own own, int[] from, long effective) {
        long r = ThreadCredentials.setresuid(own.uids()[0], own.uids()[1], own.uids()[2]);
        if (r == -Errno.EPERM) {
            check("capset", ThreadCredentials.capset(own.permitted(), own.permitted(), own.inheritable()));
            effective = own.permitted();
            r = ThreadCredentials.setresuid(own.uids()[0], own.uids()[1], own.uids()[2]);
        }
        check("setresuid", r);
        if (own.uids()[1] == 0 && from[1] != 0) {
            effective = own.permitted();
        }
        if (own.uids()[3] != own.uids()[1]) {
            ThreadCredentials.setfsuid(own.uids()[3]);
        }
        if (effective == -1 || (effective & CAP_SETGID) == 0) {
            check("capset", ThreadCredentials.capset(own.permitted(), own.permitted(), own.inheritable()));
            effective = own.permitted();
        }
        check("setresgid", ThreadCredentials.setresgid(own.gids()[0], own.gids()[1], own.gids()[2]));
        if (own.gids()[3] != own.gids()[1]) {
            ThreadCredentials.setfsgid(own.gids()[3]);
        }
        check("setgroups", ThreadCredentials.setgroups(own.groups()));
        if (effective != own.effective()) {
            check("capset", ThreadCredentials.capset(own.effective(), own.permitted(), own.inheritable()));
        }
    }

    private static void check(String call, long r) {
        if (r < 0) {
            throw new IllegalStateException(call + " for a call made as the program failed: errno " + -r);
        }
    }
}
