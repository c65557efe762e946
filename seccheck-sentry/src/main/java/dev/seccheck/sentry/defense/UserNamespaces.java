package dev.seccheck.sentry.defense;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Sysno;
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
 */
public final class UserNamespaces {

    private final AtomicBoolean left = new AtomicBoolean();

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

    /** Whether a task may have left seccheck's user namespace. */
    public boolean anyLeft() {
        return left.get();
    }
}
