package dev.seccheck.linux;

/**
 * ThreadStarts tells a thread the kernel refused from other failures. Any process of the same user
 * and cgroup can use up the tasks the kernel allows them (the user's {@code RLIMIT_NPROC}, the
 * cgroup's {@code pids.max}, {@code kernel.threads-max}); the JVM then throws
 * {@link OutOfMemoryError} from {@code Thread.start}, and a thread that does not catch it dies.
 * Code that starts threads on another process's behalf catches that one case here, fails the one
 * operation (with EAGAIN, what the kernel answers a clone then) and goes on.
 */
public final class ThreadStarts {
    private ThreadStarts() {}

    /** Why a thread could not be started, for the line that says so. */
    public static final String WHY = "the kernel refused a new thread (the user's limit on processes, ulimit -u,"
            + " or the cgroup's pids.max is reached)";

    /**
     * Runs {@code start}, which starts a thread (directly, or by handing work to an executor that
     * may start one); returns false if the kernel refused the thread. Any other failure is thrown.
     */
    public static boolean tryStart(Runnable start) {
        try {
            start.run();
            return true;
        } catch (OutOfMemoryError e) {
            if (!refused(e)) {
                throw e;
            }
            return false;
        }
    }

    /** Returns whether {@code e} is the JVM's report that the kernel refused it a new thread. */
    public static boolean refused(OutOfMemoryError e) {
        String message = e.getMessage();
        return message != null && message.startsWith("unable to create native thread");
    }
}
