package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * SysvipcLists opens {@code /proc/sysvipc/shm}, {@code msg} and {@code sem} for the program. The
 * kernel binds such a file to the opener's IPC namespace when it is opened, whatever name it was
 * reached by: opened by a thread of seccheck's, it lists seccheck's namespace's objects, the
 * host's. A program in an IPC namespace of its own listed the host's shared memory segments (key,
 * owner, size) through seccheck: unprivileged always, as root when it reached the file under
 * another name (bound onto a file of its own mount namespace, where the walk met no
 * /proc/sysvipc to stop at). So these files are told by their inode numbers, which every procfs
 * gives them alike, and a task in another IPC namespace than the opening thread's gets its open
 * made from a thread in its own ({@link TaskNamespaces}). Unprivileged (seccheck cannot join it),
 * or for a task confined with Landlock (whose opens are made on threads of its domain, in
 * seccheck's namespaces), the open is refused with EPERM and a line, as a tun open is
 * ({@link TunDevice}): never another namespace's list.
 */
final class SysvipcLists {

    private final PathCalls calls;
    private final TaskNamespaces namespaces;
    private final LandlockDomains landlock;
    private final Consumer<String> log;
    /** The inode numbers of /proc/sysvipc's files, the same in every procfs (the kernel's proc_dir_entry numbers). */
    private final Set<Long> inodes;

    SysvipcLists(PathCalls calls, TaskNamespaces namespaces, LandlockDomains landlock, Consumer<String> log) {
        this.calls = calls;
        this.namespaces = namespaces;
        this.landlock = landlock;
        this.log = log;
        this.inodes = inodes(calls);
    }

    private static Set<Long> inodes(PathCalls calls) {
        Set<Long> found = new HashSet<>();
        for (String f : new String[] {"shm", "msg", "sem"}) {
            PathCalls.Stat st = calls.stat("/proc/sysvipc/" + f);
            if (st != null) {
                found.add(st.ino());
            }
        }
        return Set.copyOf(found);
    }

    /** Whether our fd {@code fd}, whose status is {@code st}, is one of /proc/sysvipc's lists. */
    boolean is(int fd, PathCalls.Stat st) {
        return st != null && st.isRegular() && inodes.contains(st.ino()) && calls.fsType(fd) == PathCalls.PROC_SUPER_MAGIC;
    }

    /**
     * Opens for task {@code tid} what its own open would: {@code asProgram} when the thread that
     * makes it is in the task's IPC namespace, else {@code open} from a thread in the task's, as
     * {@code who}: our fd, or -errno.
     */
    int open(int tid, String name, Identity who, IntSupplier open, IntSupplier asProgram) {
        boolean confined = landlock.confines(tid);
        // A confined task's open is made on a thread of its domain, which is in seccheck's namespaces.
        if (!(confined ? namespaces.differFromSeccheck(tid, TaskNamespaces.IPC) : namespaces.differ(tid, TaskNamespaces.IPC))) {
            return asProgram.getAsInt();
        }
        if (!namespaces.mayJoin() || confined) {
            log.accept("refused openat from task " + tid + " (" + Procfs.comm(tid) + ") of " + name + ": the kernel"
                    + " binds it to the opener's IPC namespace, and the task's is another, which seccheck cannot join"
                    + (confined ? " on a thread of the task's Landlock domain" : " without privilege") + " (EPERM)");
            return -Errno.EPERM;
        }
        return namespaces.inTaskNamespaces(tid, TaskNamespaces.IPC, who, open);
    }
}
