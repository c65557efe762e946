package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;

/**
 * TaskComparison asks the kernel whether two tasks share one of its objects ({@code kcmp}): here
 * their descriptor table, which a task made by {@code clone(CLONE_FILES)} (every thread of a
 * pthreads program) shares with its creator, so that either can change what a descriptor number
 * of the other names. The caller needs ptrace's read access to both, as their tracer has.
 */
public final class TaskComparison {
    private TaskComparison() {}

    /** kcmp's type for the descriptor table (linux/kcmp.h). */
    private static final int KCMP_FILES = 2;

    /**
     * Compares the descriptor tables of threads {@code tid1} and {@code tid2}: 0 when they are
     * one table, 1 or 2 when not (the kernel's order of the two), or -errno (ESRCH when a thread is
     * gone, EPERM without access, ENOSYS on a kernel built without kcmp).
     */
    public static long fileTables(int tid1, int tid2) {
        return Direct.call(Sysno.KCMP, tid1, tid2, KCMP_FILES, 0, 0, 0);
    }
}
