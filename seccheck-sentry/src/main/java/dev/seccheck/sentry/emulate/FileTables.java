package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.TaskComparison;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;

/**
 * FileTables tells whether a task of the run shares its descriptor table with another. A call
 * seccheck lets the kernel make as the program made it is looked up again by the kernel, its
 * descriptor number included; only a task sharing the table could put another file under that
 * number in between, and the caller itself is held. A task sharing the table is one of the run's,
 * registered before it first ran ({@link TaskTable}); one made after the look holds another's
 * table unless a sharer made it, and a sharer would have been found. Compared with {@code kcmp},
 * the caller's own threads first.
 */
public final class FileTables {

    private final TaskTable tasks;

    /** @param tasks the run's tasks */
    public FileTables(TaskTable tasks) {
        this.tasks = tasks;
    }

    /**
     * Whether a live task other than {@code tid} (of thread group {@code tgid}) shares its
     * descriptor table; true too when a comparison cannot be made (the kernel has no kcmp, or
     * refuses it), so that a caller takes the careful way.
     */
    boolean shared(int tid, int tgid) {
        for (Task t : tasks.threadsOf(tgid)) {
            if (t.tid() != tid && same(tid, t.tid())) {
                return true;
            }
        }
        for (Task t : tasks.all()) {
            if (t.tgid() != tgid && same(tid, t.tid())) {
                return true;
            }
        }
        return false;
    }

    /** A task gone (ESRCH) shares nothing any more. */
    private static boolean same(int tid, int other) {
        long r = TaskComparison.fileTables(tid, other);
        return r == 0 || (r < 0 && r != -Errno.ESRCH);
    }
}
