package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadNamespaces;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * TaskNamespaces makes a call for a task from a thread in the task's own network, IPC or cgroup
 * namespace, for what the kernel finds in the caller's namespace rather than by the path: a tun
 * file's network ({@link TunDevice}), the cgroup namespace a cgroup file's writes are checked
 * against ({@link CgroupFiles}), the network and IPC entries below {@code /proc/sys} (looked
 * up by the looking thread's: walked by seccheck's thread, {@code /proc/sys/net/ipv4/ip_forward}
 * was the host's for a program in a network of its own), and {@code /proc/sysvipc}'s lists of IPC
 * objects (the opening thread's namespace's). The thread is made for the call, takes seccheck's
 * credentials back, joins the namespaces (setns, which needs CAP_SYS_ADMIN over them: seccheck as
 * root; unprivileged, such opens are refused, {@link UnjoinedNamespaceFiles}), takes the
 * program's identity, makes the call and ends: no thread of seccheck's stays in another namespace. Not thread-safe: one per emulation thread, whose {@link PathCalls} it uses.
 */
final class TaskNamespaces {

    /** A namespace the thread joins: its /proc/TID/ns name and setns type. */
    record Kind(String name, long type) {}

    /** A tun file's network. */
    static final Kind[] NETWORK = {new Kind("net", CloneFlags.CLONE_NEWNET)};
    /** The IPC namespace, by which /proc/sysvipc and the IPC entries below /proc/sys are found. */
    static final Kind[] IPC = {new Kind("ipc", CloneFlags.CLONE_NEWIPC)};
    /** The cgroup namespace, against which the kernel checks a cgroup v2 file's writes ({@link CgroupFiles}). */
    static final Kind[] CGROUP = {new Kind("cgroup", CloneFlags.CLONE_NEWCGROUP)};
    /** The namespaces whose entries below /proc/sys (and /proc/sysvipc) the kernel finds by the looking thread's. */
    static final Kind[] SYSCTLS = {new Kind("net", CloneFlags.CLONE_NEWNET), new Kind("ipc", CloneFlags.CLONE_NEWIPC)};

    private final PathCalls calls;
    private final Identity.Own own;

    TaskNamespaces(PathCalls calls, Identity.Own own) {
        this.calls = calls;
        this.own = own;
    }

    /** Whether task {@code tid} is in another namespace of one of these kinds than the calling thread (true when it cannot be told). */
    boolean differ(int tid, Kind[] kinds) {
        return differ(tid, kinds, "/proc/thread-self/ns/");
    }

    /**
     * Whether task {@code tid} is in another namespace of one of these kinds than seccheck's
     * process, where its threads are but one that joined a task's (true when it cannot be told).
     */
    boolean differFromSeccheck(int tid, Kind[] kinds) {
        return differFromSeccheck(calls, tid, kinds);
    }

    /** {@link #differFromSeccheck}, asked through {@code calls} (the calling thread's buffers). */
    static boolean differFromSeccheck(PathCalls calls, int tid, Kind[] kinds) {
        return differ(calls, tid, kinds, "/proc/self/ns/");
    }

    private boolean differ(int tid, Kind[] kinds, String ourNamespaces) {
        return differ(calls, tid, kinds, ourNamespaces);
    }

    private static boolean differ(PathCalls calls, int tid, Kind[] kinds, String ourNamespaces) {
        for (Kind k : kinds) {
            String theirs = calls.readlinkat(AT_FDCWD, "/proc/" + tid + "/ns/" + k.name());
            String ours = calls.readlinkat(AT_FDCWD, ourNamespaces + k.name());
            if (theirs == null || !theirs.equals(ours)) {
                return true;
            }
        }
        return false;
    }

    /** Whether seccheck may join another task's namespaces: it needs CAP_SYS_ADMIN over them. */
    boolean mayJoin() {
        return own.privileged();
    }

    /**
     * Runs {@code call} on a thread of its own that joined task {@code tid}'s namespaces of these
     * kinds and assumed {@code who}, while this thread waits: its result, or -errno when the task
     * is gone or a namespace could not be joined.
     */
    int inTaskNamespaces(int tid, Kind[] kinds, Identity who, IntSupplier call) {
        int[] fds = new int[kinds.length];
        Arrays.fill(fds, -1);
        try {
            for (int i = 0; i < kinds.length; i++) {
                fds[i] = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/" + kinds[i].name(), O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                    return -Errno.ESRCH;
                }
            }
            return CallThread.run("seccheck-in-task-namespaces", own, who, () -> {
                for (int i = 0; i < kinds.length; i++) {
                    long r = ThreadNamespaces.join(fds[i], kinds[i].type());
                    if (r < 0) {
                        return (int) r;
                    }
                }
                return 0;
            }, call);
        } finally {
            for (int fd : fds) {
                PathCalls.close(fd);
            }
        }
    }
}
