package dev.seccheck.sentry.defense;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessAttributes;

/**
 * Seal makes the seccheck process not dumpable while it supervises, so that a supervised program
 * running as the same user can neither ptrace it, nor read or write its memory
 * ({@code process_vm_*}, {@code /proc/PID/mem}), nor copy its fds ({@code pidfd_getfd},
 * {@code /proc/PID/fd}): the kernel then asks for CAP_SYS_PTRACE.
 *
 * <p>The one exception is attaching to a newly spawned command ({@code seccheck exec}): until it
 * execs, the child shares this process's address space (posix_spawn uses {@code CLONE_VM}), and
 * the kernel refuses to seize a task whose address space is not dumpable. {@link #whileAttaching}
 * lifts the seal for that attach only, and its caller runs it with the whole workload frozen
 * (the tracer's {@code WorkloadFreeze}): no supervised task executes while the seal is lifted. A
 * process of the same user outside the run could still open this process's {@code /proc} files
 * in that window (tens of microseconds per exec); the workload cannot. Sealing is process-wide
 * (the flag belongs to the address space), so the state is kept under one lock, shared by every
 * supervisor of this JVM; only the workload of the supervisor attaching is frozen.
 */
public final class Seal {
    private Seal() {}

    /** An attach step that may fail the way the tracer's calls do. */
    @FunctionalInterface
    public interface Attach<T> {
        /** Runs the step. */
        T run() throws LinuxException;
    }

    private static final Object LOCK = new Object();
    private static boolean sealed;

    /** Makes this process not dumpable from now on. */
    public static void seal() throws LinuxException {
        synchronized (LOCK) {
            ProcessAttributes.setDumpable(false);
            sealed = true;
        }
    }

    /** Returns whether {@link #seal} was called in this process. */
    public static boolean sealed() {
        synchronized (LOCK) {
            return sealed;
        }
    }

    /**
     * Runs {@code step} with this process dumpable, then seals it again if it was sealed. The
     * window is the step alone (one PTRACE_SEIZE and the reads that follow it, or the pidfd_getfd
     * of a launched child's listener); once the workload runs, call it only with the workload
     * frozen. The workload's own filter ({@link Guard}) refuses ptrace, {@code process_vm_*} and
     * {@code pidfd_getfd} aimed at seccheck at any time.
     */
    public static <T> T whileAttaching(Attach<T> step) throws LinuxException {
        synchronized (LOCK) {
            if (!sealed) {
                return step.run();
            }
            ProcessAttributes.setDumpable(true);
            try {
                return step.run();
            } finally {
                ProcessAttributes.setDumpable(false);
            }
        }
    }
}
