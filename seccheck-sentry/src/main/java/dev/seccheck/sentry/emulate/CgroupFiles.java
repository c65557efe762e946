package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * CgroupFiles opens the control files of cgroup v2 for writing for the program. The kernel keeps
 * the opener's cgroup namespace with the open file and checks every later write against it: a
 * move through {@code cgroup.procs} or {@code cgroup.threads} must stay below that namespace's
 * root (ENOENT), and under {@code nsdelegate} the root's own control files are not the
 * namespace's to write (EPERM). Opened by seccheck's thread, that namespace is seccheck's: a
 * program in a cgroup namespace of its own moved a process out of it, and raised its own limits
 * (red-team round 23). So a task in another cgroup namespace than the opening thread's gets such a
 * file opened from a thread in its own ({@link TaskNamespaces}). Unprivileged (seccheck cannot
 * join it), or for a task confined with Landlock (whose calls are made on threads of its domain),
 * the open is refused with EPERM and a line. Opens for reading are made as any: no read asks the
 * namespace.
 */
final class CgroupFiles {

    /** cgroup v2's filesystem type (statfs's f_type). */
    static final long CGROUP2_SUPER_MAGIC = 0x63677270L;

    private final PathCalls calls;
    private final TaskNamespaces namespaces;
    private final LandlockDomains landlock;
    private final Consumer<String> log;

    CgroupFiles(PathCalls calls, TaskNamespaces namespaces, LandlockDomains landlock, Consumer<String> log) {
        this.calls = calls;
        this.namespaces = namespaces;
        this.landlock = landlock;
        this.log = log;
    }

    /** Whether an open with {@code flags} of our fd {@code fd}'s file is a write of a cgroup v2 file. */
    boolean is(int fd, int flags) {
        return (flags & O_ACCMODE) != O_RDONLY && calls.fsType(fd) == CGROUP2_SUPER_MAGIC;
    }

    /**
     * Opens for task {@code tid} what its own open would: {@code asProgram} when the task is in
     * this thread's cgroup namespace, else {@code open} from a thread in the task's, as
     * {@code who}: our fd, or -errno.
     */
    int open(int tid, String name, Identity who, IntSupplier open, IntSupplier asProgram) {
        if (!namespaces.differ(tid, TaskNamespaces.CGROUP)) {
            return asProgram.getAsInt();
        }
        if (!namespaces.mayJoin() || landlock.confines(tid)) {
            log.accept("refused openat from task " + tid + " (" + Procfs.comm(tid) + ") of " + name + " for writing:"
                    + " the kernel checks its writes against the opener's cgroup namespace, and the task's is another,"
                    + " which seccheck cannot join" + (!namespaces.mayJoin() ? " without privilege"
                    : " on a thread of the task's Landlock domain") + " (EPERM)");
            return -Errno.EPERM;
        }
        return namespaces.inTaskNamespaces(tid, TaskNamespaces.CGROUP, who, open);
    }
}
