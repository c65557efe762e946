package dev.seccheck.sentry.defense;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadCredentials;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * UserNamespaces tells whether any task of a filter chain may have left seccheck's user
 * namespace. The calls seccheck makes for the program take the program's capabilities, which
 * mean what seccheck's do only in seccheck's user namespace: root in a namespace of its own has
 * every capability there and none outside. Asking the kernel which namespace a thread is in costs
 * about 5 us a call, so it is asked only once a task could have left: every task of a run starts
 * in seccheck's namespace, and only {@code unshare} and {@code clone} with CLONE_NEWUSER and
 * {@code setns} move one (clone3 fails with ENOSYS). The filter holds those calls for the notifier
 * ({@link Guard}), which marks the chain before letting them through, so no task is ever in
 * another namespace while the mark is still unset.
 *
 * <p>It also tells whether a namespace's maker had CAP_SETFCAP in its effective set: the kernel
 * records that with the namespace ({@code parent_could_setfcap}) and lets the namespace's own
 * root map the parent's uid 0 only if it is set ({@code verify_root_map}), but shows it nowhere;
 * seccheck's thread, which opens the map for the program from the parent namespace, is asked for
 * its own CAP_SETFCAP there instead ({@link dev.seccheck.sentry.emulate.UserNamespaceFiles}). The
 * maker's capabilities are read while its call is held, so they are those the kernel makes the
 * namespace with (a thread changes only its own). The namespace has no number yet then, so the
 * answer is kept by the thread that unshared into it (which stays in it until it unshares again or
 * calls setns, both held here, and is the one that writes its own map: {@code unshare -r}),
 * with the namespace it left, checked at the question against the namespace's parent (a thread
 * number taken again by a task elsewhere is not taken for the maker). For any other namespace (a
 * clone's, or asked by another task in it) only the whole chain is known: made with CAP_SETFCAP
 * when every namespace a task of the chain made was.
 */
public final class UserNamespaces {

    private final AtomicBoolean left = new AtomicBoolean();
    private final AtomicBoolean madeWithoutSetfcap = new AtomicBoolean();
    /** By the thread that unshared into it, the namespace it left and whether it had CAP_SETFCAP. */
    private final Map<Integer, Unshared> unshared = new ConcurrentHashMap<>();

    /** CAP_SETFCAP's bit. */
    private static final long CAP_SETFCAP = 1L << 31;
    /** At most this many threads are remembered; past them, the chain's answer counts for all. */
    private static final int KEPT = 4096;

    /** A thread's last unshare of its user namespace: the namespace it left (nsfs inode) and whether it had CAP_SETFCAP. */
    private record Unshared(long from, boolean setfcap) {}

    /** Whether syscall {@code nr} with these arguments may move its caller, or a child, to another user namespace. */
    public static boolean held(int nr, long arg0) {
        return switch (nr) {
            case Sysno.UNSHARE, Sysno.CLONE -> (arg0 & CloneFlags.CLONE_NEWUSER) != 0;
            case Sysno.SETNS -> true;
            default -> false;
        };
    }

    /** Marks that a task is about to make such a call: from now on every task's namespace is asked. */
    public void leaving() {
        left.set(true);
    }

    /**
     * As {@link #leaving()}, for thread {@code tid} held in call {@code nr}, which also records
     * whether a namespace it makes is made with CAP_SETFCAP (a set that cannot be read counts as
     * without). Recorded before the call goes on, so before the program can open the new
     * namespace's map (a concurrent map and a volatile flag give the emulation thread that asks
     * later what was put before).
     */
    public void leaving(int tid, int nr) {
        if (nr == Sysno.SETNS) {
            unshared.remove(tid);
        } else {
            long[] caps = new long[3];
            boolean setfcap = ThreadCredentials.capget(tid, caps) == 0 && (caps[0] & CAP_SETFCAP) != 0;
            if (!setfcap) {
                madeWithoutSetfcap.set(true);
            }
            if (nr == Sysno.UNSHARE) {
                long from = Procfs.namespaceInode(Procfs.link(tid, "ns/user").orElse(null), "user").orElse(-1);
                if (from < 0) {
                    unshared.remove(tid);
                } else {
                    if (unshared.size() >= KEPT) {
                        unshared.clear();
                    }
                    unshared.put(tid, new Unshared(from, setfcap));
                }
            }
        }
        left.set(true);
    }

    /**
     * Whether the user namespace that thread {@code tid} is in, whose parent is the namespace of
     * nsfs inode {@code parent}, was made by a thread with CAP_SETFCAP in its effective set: the
     * thread's own unshare's answer when it made it, else whether every namespace a task of the
     * chain made was (see the class comment).
     */
    public boolean madeWithSetfcap(int tid, long parent) {
        Unshared u = unshared.get(tid);
        if (u != null && u.from() == parent) {
            return u.setfcap();
        }
        return !madeWithoutSetfcap.get();
    }

    /** Whether a task may have left seccheck's user namespace. */
    public boolean anyLeft() {
        return left.get();
    }
}
