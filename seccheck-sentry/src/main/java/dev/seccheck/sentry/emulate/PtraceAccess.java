package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.Set;

/**
 * PtraceAccess is the kernel's ptrace access check ({@code __ptrace_may_access} in
 * kernel/ptrace.c, then {@code cap_ptrace_access_check} in security/commoncap.c, in the
 * FSCREDS mode every /proc open asks) made for a program's thread, where seccheck opens for it a
 * /proc entry the kernel guards so: the files whose open takes the task's memory
 * ({@link #MEMORY_FILES}: mem, environ, auxv, maps...), its fdinfo/ and the magic links (cwd,
 * root, exe, fd/N, ns/*), which the walk follows by opening them ({@link PathWalk}).
 *
 * <p>seccheck's thread takes the program's ids, groups and capabilities ({@link Identity}), so the
 * kernel's own check of that thread is the program's in every part but one: the user namespace.
 * seccheck's thread is in seccheck's, so a program in one of its own (a browser's renderer,
 * {@code unshare -U}) had the rule "a task of another user namespace needs CAP_SYS_PTRACE in the
 * target's" applied from the wrong place, and the namespace's maker (the program's own user, as
 * seccheck's thread calls) holds every capability over namespaces it made: a child that unshared
 * wrote into its parent's memory through /proc/PPID/mem, which the kernel refuses it natively.
 * So, once any task of the run may have left seccheck's user namespace, and when the caller or
 * the target is outside it, the check is made here with the caller's namespace, as the kernel
 * makes it, before the open; the kernel still makes its own on seccheck's thread after.
 *
 * <ol>
 * <li>A task of the caller's own process passes (same thread group: the same pid namespace and
 *     the same process number in it), before anything is asked of ids or namespaces, as the
 *     kernel decides it first. seccheck's thread, which the kernel asks everything, is then
 *     given CAP_SYS_PTRACE for the open (see {@link OpenEmulation}): a program whose namespace
 *     maps its root to another host uid than its maker's (a rootless container) reads its own
 *     maps and environ, where its credentials in seccheck's namespace hold nothing over it.</li>
 * <li>The caller's filesystem ids must be the target's real, effective and saved ones (user and
 *     group), or it must hold CAP_SYS_PTRACE over the target's user namespace
 *     ({@link NamespaceCapability#held}).</li>
 * <li>A target that is not dumpable needs CAP_SYS_PTRACE over its memory's user namespace, which
 *     /proc does not show: the target's own is taken for it. The target's dumpability is read
 *     from the owner of its /proc directory, which the kernel makes root's when it is not.</li>
 * <li>The caller must be in the target's user namespace with the target's permitted capabilities
 *     among its effective ones, or hold CAP_SYS_PTRACE over the target's namespace.</li>
 * </ol>
 * The target's namespaces are read through its directory with the program's credentials, or,
 * where those are refused, seccheck's own ({@link Identity#anchor}): they only tell, the open is
 * still made with the program's. A fact that cannot be read refuses (EACCES).
 */
final class PtraceAccess {

    /**
     * The files of /proc/PID/ (and /proc/PID/task/TID/) whose open asks for ptrace access to the
     * task (the kernel's proc_mem_open): their open is answered EACCES when it is refused.
     */
    static final Set<String> MEMORY_FILES =
            Set.of("mem", "environ", "auxv", "maps", "smaps", "smaps_rollup", "numa_maps", "pagemap");

    private static final long CAP_SYS_PTRACE = 1L << 19;

    /**
     * Whether the open of a /proc file named {@code last}, a directory or not, whose name in
     * seccheck's view is {@code real} (null when it has none), is guarded by a ptrace access check
     * at the open: one of {@link #MEMORY_FILES}, the {@code fdinfo} directory of a task, or a file
     * in it (named so: below a task, only fdinfo/ holds files with a number for a name).
     */
    static boolean guardedAtOpen(String real, String last, boolean directory) {
        if (directory) {
            return last.equals("fdinfo");
        }
        if (MEMORY_FILES.contains(last)) {
            return true;
        }
        return real != null && !last.isEmpty() && last.chars().allMatch(Character::isDigit)
                && real.endsWith("/fdinfo/" + last);
    }

    private final PathCalls calls;
    private final TaskFiles tasks;
    /** The status of the target, read through its directory. */
    private byte[] status = new byte[4096];

    PtraceAccess(PathCalls calls, TaskFiles tasks) {
        this.calls = calls;
        this.tasks = tasks;
    }

    /**
     * Whether the check must be made here at all: only once a task of the run may have left
     * seccheck's user namespace (before that, the kernel's check of seccheck's thread is the
     * program's own). Costs one load.
     */
    boolean anyLeft() {
        return tasks.anyLeftOwnUserNamespace();
    }

    /**
     * What the kernel's check answers thread {@code tid} of the program: whether it fails (the errno
     * its open is refused with, EACCES, or 0), and whether it passed because the target is a task
     * of the caller's own process ({@link #OWN_PROCESS}).
     */
    record Verdict(int errno, boolean ownProcess) {
        /** The check passes (or need not be made here). */
        static final Verdict PASSES = new Verdict(0, false);
        /** The check passes because the target is a task of the caller's own process. */
        static final Verdict OWN_PROCESS = new Verdict(0, true);
        /** The check fails: the open is refused with EACCES. */
        static final Verdict REFUSED = new Verdict(Errno.EACCES, false);
    }

    /**
     * 0 when thread {@code tid} of the program could itself pass the kernel's ptrace access check
     * over the task whose /proc directory (or a directory right below it: fd/, ns/, map_files/)
     * is our fd {@code dir}; else the errno its open is refused with (EACCES).
     */
    int refusal(int tid, int dir) {
        return verdict(tid, dir).errno();
    }

    /**
     * As {@link #refusal}, and whether the task is one of the caller's own process, which the
     * kernel lets through before it asks anything else: seccheck's thread, which is not of that
     * process and holds the program's credentials from seccheck's user namespace, may be refused
     * what the program is not (its namespace maps its root to another host uid than the
     * namespace's maker's, and only the maker's uid holds CAP_SYS_PTRACE there from outside).
     */
    Verdict verdict(int tid, int dir) {
        if (!anyLeft()) {
            return Verdict.PASSES;
        }
        int task = taskDirectory(dir);
        if (task < 0) {
            return Verdict.REFUSED;
        }
        try {
            return verdictOfTask(tid, task);
        } finally {
            if (task != dir) {
                PathCalls.close(task);
            }
        }
    }

    /**
     * Whether the task whose /proc directory (or a directory right below it) is our fd {@code dir}
     * is of thread {@code tid}'s own process, as the kernel asks it first (same_thread_group: the
     * same process number in the same pid namespace). False when that cannot be read.
     */
    boolean ownProcess(int tid, int dir) {
        int task = taskDirectory(dir);
        if (task < 0) {
            return false;
        }
        try {
            int len = tasks.readStatus(tid);
            long[] tgid = len < 0 ? null : Procfs.numbers(tasks.status(), len, "NStgid:", 10);
            int n = tgid == null ? -1 : readTargetStatus(task);
            long[] ttgid = n < 0 ? null : Procfs.numbers(status, n, "NStgid:", 10);
            return ttgid != null && ttgid.length > 0 && tgid.length > 0 && sameThreadGroup(tgid, ttgid, tid, task);
        } finally {
            if (task != dir) {
                PathCalls.close(task);
            }
        }
    }

    /**
     * The kernel's same_thread_group, from the NStgid lines (non-empty) of caller {@code tid}
     * and of the task whose /proc directory is {@code task}: the same process number, innermost,
     * in the same pid namespace.
     */
    private boolean sameThreadGroup(long[] callerTgid, long[] targetTgid, int tid, int task) {
        return targetTgid[targetTgid.length - 1] == callerTgid[callerTgid.length - 1] && samePidNamespace(tid, task);
    }

    /** {@code dir} when it is a task's /proc directory (it has a status), else its parent if that is one (ours); -1 when neither. */
    private int taskDirectory(int dir) {
        if (hasStatus(dir)) {
            return dir;
        }
        int up = calls.openat(dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (up >= 0 && hasStatus(up)) {
            return up;
        }
        PathCalls.close(up);
        return -1;
    }

    private boolean hasStatus(int dir) {
        PathCalls.Stat st = calls.lstatAt(dir, "status");
        return st != null && st.isRegular();
    }

    private Verdict verdictOfTask(int tid, int task) {
        // The caller, as the kernel sees it: its status (seccheck's read, ids as seccheck's
        // namespace maps them).
        int len = tasks.readStatus(tid);
        if (len < 0) {
            return Verdict.REFUSED;
        }
        byte[] mine = tasks.status();
        long[] uid = Procfs.numbers(mine, len, "Uid:", 10);
        long[] gid = Procfs.numbers(mine, len, "Gid:", 10);
        long[] tgid = Procfs.numbers(mine, len, "NStgid:", 10);
        long effective = Procfs.hex(mine, len, "CapEff:").orElse(0);
        int n = readTargetStatus(task);
        if (uid == null || uid.length < 4 || gid == null || gid.length < 4 || tgid == null || tgid.length == 0 || n < 0) {
            return Verdict.REFUSED;
        }
        long[] tuid = Procfs.numbers(status, n, "Uid:", 10);
        long[] tgidOf = Procfs.numbers(status, n, "Gid:", 10);
        long[] ttgid = Procfs.numbers(status, n, "NStgid:", 10);
        long permitted = Procfs.hex(status, n, "CapPrm:").orElse(-1L);
        if (tuid == null || tuid.length < 3 || tgidOf == null || tgidOf.length < 3 || ttgid == null || ttgid.length == 0) {
            return Verdict.REFUSED;
        }
        // The kernel's first question, before any of ids, namespaces or security modules
        // (same_thread_group): a task of the caller's own process passes, whatever its namespace
        // maps its ids to.
        if (sameThreadGroup(tgid, ttgid, tid, task)) {
            return Verdict.OWN_PROCESS;
        }
        long callerNs = tasks.userNamespace(tid);
        long ownNs = tasks.ownUserNamespace();
        int targetUser = Identity.anchor(() -> calls.openat(task, "ns/user", O_RDONLY | O_CLOEXEC));
        long targetNs = NamespaceCapability.inode(calls, targetUser);
        if (callerNs < 0 || targetNs < 0) {
            PathCalls.close(targetUser);
            return Verdict.REFUSED;
        }
        if (callerNs == ownNs && targetNs == ownNs) {
            PathCalls.close(targetUser);
            return Verdict.PASSES; // the kernel's check of seccheck's thread is the program's own
        }
        // held() closes the fd it is given.
        boolean mayTrace = (NamespaceCapability.held(calls, targetUser, callerNs, uid[1], effective) & CAP_SYS_PTRACE) != 0;
        long fsuid = uid[3];
        long fsgid = gid[3];
        boolean sameIds = tuid[0] == fsuid && tuid[1] == fsuid && tuid[2] == fsuid
                && tgidOf[0] == fsgid && tgidOf[1] == fsgid && tgidOf[2] == fsgid;
        if (!sameIds && !mayTrace) {
            return Verdict.REFUSED;
        }
        PathCalls.Stat owner = calls.fstat(task);
        boolean dumpable = owner != null && owner.uid() == tuid[1] && owner.gid() == tgidOf[1];
        if (!dumpable && !mayTrace) {
            return Verdict.REFUSED;
        }
        boolean within = callerNs == targetNs && (permitted & ~effective) == 0;
        return within || mayTrace ? Verdict.PASSES : Verdict.REFUSED;
    }

    /** Whether the task of directory {@code task} is in the pid namespace thread {@code tid} is in. */
    private boolean samePidNamespace(int tid, int task) {
        int theirs = Identity.anchor(() -> calls.openat(task, "ns/pid", O_RDONLY | O_CLOEXEC));
        int ours = Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/pid", O_RDONLY | O_CLOEXEC));
        try {
            long a = NamespaceCapability.inode(calls, theirs);
            return a >= 0 && a == NamespaceCapability.inode(calls, ours);
        } finally {
            PathCalls.close(theirs);
            PathCalls.close(ours);
        }
    }

    /** Reads the status of the task of directory {@code task} into {@link #status}: its length, or -errno. */
    private int readTargetStatus(int task) {
        int fd = calls.openat(task, "status", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return fd;
        }
        try {
            int n = calls.pread(fd, status, 0);
            while (n == status.length) {
                status = java.util.Arrays.copyOf(status, status.length * 2);
                n = calls.pread(fd, status, 0);
            }
            return n;
        } finally {
            PathCalls.close(fd);
        }
    }
}
