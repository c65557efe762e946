package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;

/**
 * NetworkCapability tells whether a task holds CAP_NET_RAW over its own network namespace, as the
 * kernel asks of the task's credentials when it sets the IPv4 options only that capability may
 * set ({@link IpOptions}). It follows the kernel's rule: over a namespace owned by the task's own
 * user namespace the task's effective set decides; over one owned by a user namespace below it,
 * the task holds every capability when its effective uid made the namespace right below its own
 * on the way up (a program that made a user and network namespace as root, or as anyone, then
 * changed back); over any other, none. Read anew at each call (a task may change all of it): its
 * status, two namespace files and the ioctls of the walk up, about 50 us (bench/routes.sh), paid
 * only for an option list that needs it. A task whose parts cannot be read is taken to hold none.
 */
final class NetworkCapability {
    private NetworkCapability() {}

    /** CAP_NET_RAW's bit in an effective set. */
    private static final long CAP_NET_RAW = 1L << 13;

    /** Whether task {@code tid} holds CAP_NET_RAW over its network namespace. */
    static boolean netRaw(PathCalls calls, TaskFiles tasks, int tid) {
        int len = tasks.readStatus(tid);
        if (len < 0) {
            return false;
        }
        long[] uid = Procfs.numbers(tasks.status(), len, "Uid:", 10);
        long effective = Procfs.hex(tasks.status(), len, "CapEff:").orElse(0);
        if (uid == null || uid.length < 2) {
            return false;
        }
        int net = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/net", O_RDONLY | O_CLOEXEC);
        int user = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/user", O_RDONLY | O_CLOEXEC);
        try {
            long own = NamespaceCapability.inode(calls, user);
            if (net < 0 || own < 0) {
                return false;
            }
            return (NamespaceCapability.held(calls, NamespaceFiles.owningUserNamespace(net), own, uid[1], effective)
                    & CAP_NET_RAW) != 0;
        } finally {
            PathCalls.close(net);
            PathCalls.close(user);
        }
    }
}
