package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.CloneFlags;
import java.util.Optional;

/**
 * UnjoinableSysctls are the entries below {@code /proc/sys} that the kernel finds in the opening
 * thread's pid or user namespace, neither of which a thread of seccheck's can join (the active pid
 * namespace is fixed at a task's birth; a multithreaded process cannot change its user namespace):
 * {@code kernel/pid_max} (per pid namespace since Linux 6.14) and everything below {@code user}.
 * Opened by seccheck for a task of another such namespace, they are seccheck's: a root program in
 * a pid namespace of its own lowered the host's pid_max through seccheck, which natively changes
 * only its namespace's (and a pid_max of a few hundred stops every fork on the host). An open of
 * one for writing by such a task is refused (EPERM, with a line); reading shows seccheck's
 * namespace's value. The network and IPC ones are opened from a thread that joined the task's
 * namespaces instead ({@link TaskNamespaces}).
 */
final class UnjoinableSysctls {
    private UnjoinableSysctls() {}

    /** The pid namespace, by which {@code kernel/pid_max} is found. */
    static final TaskNamespaces.Kind[] PID = {new TaskNamespaces.Kind("pid", CloneFlags.CLONE_NEWPID)};
    /** The user namespace, by which the entries below {@code user} are found. */
    static final TaskNamespaces.Kind[] USER = {new TaskNamespaces.Kind("user", CloneFlags.CLONE_NEWUSER)};

    /**
     * The namespace by which the kernel finds the procfs file whose path (as the kernel names it,
     * from procfs's root down) is {@code path}, when it is one of these; else empty.
     */
    static Optional<TaskNamespaces.Kind[]> of(String path) {
        if (path.endsWith("/sys/kernel/pid_max")) {
            return Optional.of(PID);
        }
        return path.endsWith("/sys/user") || path.contains("/sys/user/") ? Optional.of(USER) : Optional.empty();
    }
}
