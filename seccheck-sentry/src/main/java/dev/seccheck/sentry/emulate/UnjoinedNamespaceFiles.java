package dev.seccheck.sentry.emulate;

import java.util.Optional;
import java.util.Set;

/**
 * UnjoinedNamespaceFiles are the entries below {@code /proc/sys} that the kernel looks up in the
 * opening thread's network or IPC namespace: everything below {@code /proc/sys/net} and the IPC
 * entries ({@code fs/mqueue/*}, {@code kernel.shmmni} and the others; the lists of
 * {@code /proc/sysvipc}, bound at open, are {@link SysvipcLists}'). As root seccheck opens them
 * for a task of other such namespaces from a thread that joined the task's
 * ({@link TaskNamespaces}). Unprivileged it cannot: setns needs CAP_SYS_ADMIN over the target
 * namespace and in the caller's own user namespace, which seccheck lacks, and only a
 * single-threaded process may first join the program's user namespace. Opened by seccheck's
 * thread, they are seccheck's namespaces', the host's: a program in a user and IPC namespace of
 * its own (a rootless container) read the host's IPC limits and could not write its own. Such an
 * open, for reading or writing, is refused instead (EPERM, with a line), as a tun open is
 * ({@link TunDevice}): never another namespace's data.
 */
final class UnjoinedNamespaceFiles {
    private UnjoinedNamespaceFiles() {}

    /** The namespace a file is found by: its kinds, and its name in a line. */
    record Binding(TaskNamespaces.Kind[] kinds, String what) {}

    private static final Binding NETWORK = new Binding(TaskNamespaces.NETWORK, "network");
    private static final Binding IPC = new Binding(TaskNamespaces.IPC, "IPC");
    /** The entries of /proc/sys/kernel that are the opener's IPC namespace's (the kernel's ipc/ipc_sysctl.c). */
    private static final Set<String> IPC_KERNEL = Set.of("shmmax", "shmall", "shmmni", "shm_rmid_forced", "msgmax",
            "msgmni", "auto_msgmni", "msgmnb", "sem", "sem_next_id", "msg_next_id", "shm_next_id");
    private static final String KERNEL = "/sys/kernel/";

    /**
     * The namespace by which the kernel finds the procfs file or directory whose path (as the
     * kernel names it, from procfs's root down) is {@code path}, when it is one of these; else empty.
     */
    static Optional<Binding> of(String path) {
        if (atOrBelow(path, "/sys/net")) {
            return Optional.of(NETWORK);
        }
        if (atOrBelow(path, "/sys/fs/mqueue")) {
            return Optional.of(IPC);
        }
        int k = path.lastIndexOf(KERNEL);
        return k >= 0 && IPC_KERNEL.contains(path.substring(k + KERNEL.length())) ? Optional.of(IPC) : Optional.empty();
    }

    private static boolean atOrBelow(String path, String dir) {
        return path.endsWith(dir) || path.contains(dir + "/");
    }
}
