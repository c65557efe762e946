package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * TunDevice opens {@code /dev/net/tun} for the program. The kernel attaches a tun file to the
 * opener's network namespace, where TUNSETIFF then makes (or finds) its interface: opened by
 * seccheck, that is seccheck's, the host's, whatever the program's is. A root program in a network
 * namespace of its own ({@code unshare -n}, a container) made an interface in the host's network
 * through it, out of the isolation it had natively. So a task in another network namespace than
 * the opening thread's gets its tun file opened from a thread in its own ({@link TaskNamespaces}).
 * Unprivileged (seccheck cannot join it), or for a task confined with Landlock (whose calls are
 * made on threads of its domain), the open is refused with EPERM and a line: never attached to the
 * wrong network.
 */
final class TunDevice {

    /** /dev/net/tun's device number, 10:200. */
    static final long DEV_TUN = PathCalls.encode(10, 200);

    private final TaskNamespaces namespaces;
    private final LandlockDomains landlock;
    private final Consumer<String> log;

    TunDevice(TaskNamespaces namespaces, LandlockDomains landlock, Consumer<String> log) {
        this.namespaces = namespaces;
        this.landlock = landlock;
        this.log = log;
    }

    /** Whether a file the walk reached is /dev/net/tun, under whatever name. */
    static boolean is(PathCalls.Stat st) {
        return st != null && st.isCharDevice() && st.rdev() == DEV_TUN;
    }

    /**
     * Opens for task {@code tid} what its own open would: {@code asProgram} when the task is in
     * this thread's network namespace, else {@code open} from a thread in the task's, as
     * {@code who}: our fd, or -errno. A null {@code open} means it cannot be made from such a
     * thread (one that must also join the task's devices cgroup, {@link DeviceCgroups}).
     */
    int open(int tid, Identity who, IntSupplier open, IntSupplier asProgram) {
        if (!namespaces.differ(tid, TaskNamespaces.NETWORK)) {
            return asProgram.getAsInt();
        }
        if (!namespaces.mayJoin() || landlock.confines(tid) || open == null) {
            log.accept("refused openat from task " + tid + " (" + Procfs.comm(tid) + "): /dev/net/tun would"
                    + " be attached to seccheck's network namespace, not the task's, which seccheck cannot join"
                    + (!namespaces.mayJoin() ? " without privilege" : open == null ? " together with its devices cgroup"
                    : " on a thread of the task's Landlock domain") + " (EPERM)");
            return -Errno.EPERM;
        }
        return namespaces.inTaskNamespaces(tid, TaskNamespaces.NETWORK, who, open);
    }
}
