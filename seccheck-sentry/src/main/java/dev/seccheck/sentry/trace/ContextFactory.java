package dev.seccheck.sentry.trace;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.Procfs;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.Optional;

/**
 * ContextFactory fills {@code ContextData} with exactly the context fields a session asked for,
 * from the task table; credentials are read from /proc only when they were invalidated by a
 * syscall that changes them, then cached again. The cwd is read from /proc at every point that
 * asks for it: no cache of it can be kept true, since a task sharing the process's filesystem
 * information ({@code clone(CLONE_FS)}) changes it by a chdir seccheck does not attribute to the
 * process, and a rename of any directory above it changes its name without a call of the process
 * (before, both left every later point, and a rule resolving a relative path, on the old cwd).
 */
record ContextFactory(String containerId, TaskTable tasks) {

    /** Every context field, in id order; one copy, since {@code values()} copies on each call. */
    private static final ContextField[] FIELDS = ContextField.values();

    /** Builds the context of {@code task} at time {@code nowNs} holding the fields in {@code fields}. */
    ContextData build(Task task, FieldSet fields, long nowNs) {
        if (fields.context().isEmpty()) {
            return null;
        }
        ContextData.Builder b = ContextData.newBuilder();
        for (ContextField f : FIELDS) {
            if (fields.hasContext(f)) {
                set(b, f, task, nowNs);
            }
        }
        return b.build();
    }

    /**
     * Reads now, while {@code task} lives, the cwd and credentials {@code fields} ask for into the
     * task table, for a point that fires once /proc has forgotten the task (sentry/task_exit,
     * at the reap).
     */
    void keep(Task task, FieldSet fields) {
        if (fields.hasContext(ContextField.CWD)) {
            Procfs.link(task.tid(), "cwd").ifPresent(cwd -> tasks.replace(task, task.withCwd(cwd)));
        }
        if (fields.hasContext(ContextField.CREDENTIALS)) {
            Task now = tasks.get(task.tid()); // cwd() may have replaced it
            if (now != null) {
                credentials(now);
            }
        }
    }

    /**
     * Sets one context field of {@code task}. Credentials and cwd are read before the fields
     * after them in the enum's order, as ever; either stays unset when /proc cannot tell it.
     */
    private void set(ContextData.Builder b, ContextField f, Task task, long nowNs) {
        switch (f) {
            case CONTAINER_ID -> b.setContainerId(containerId);
            case CREDENTIALS -> Optional.ofNullable(credentials(task)).ifPresent(b::setCredentials);
            case CWD -> Optional.ofNullable(cwd(task)).ifPresent(b::setCwd);
            case PROCESS_NAME -> b.setProcessName(tasks.name(task));
            case GROUP_ID -> b.setThreadGroupId(task.tgid());
            case THREAD_GROUP_START_TIME -> b.setThreadGroupStartTimeNs(task.groupStartNs());
            case THREAD_ID -> b.setThreadId(task.tid());
            case TASK_START_TIME -> b.setThreadStartTimeNs(task.startNs());
            case TIME -> b.setTimeNs(nowNs);
            case PARENT_THREAD_GROUP_ID -> b.setParentThreadGroupId(task.parentTgid());
            case IS_EXEC_SESSION -> b.setIsExecSession(task.execSession());
        }
    }

    private Credentials credentials(Task task) {
        if (task.credentials() != null) {
            return task.credentials();
        }
        Credentials c = Procfs.ids(task.tid()).map(ContextFactory::credentials).orElse(null);
        if (c != null) {
            tasks.replace(task, task.withCredentials(c));
        }
        return c;
    }

    /** Reads the credentials of {@code task} into the task table now, if they are not known. */
    void keepCredentials(Task task) {
        credentials(task);
    }

    /**
     * The cwd of {@code task}, read now. A thread that is gone may have lent its number's process
     * its cwd (an exec by a thread other than the leader: the new program has the leader's number
     * and the caller's cwd), so its process's is read next. Only where /proc cannot tell (a zombie,
     * at sentry/task_exit; a process seccheck unprivileged may not look at) is the cwd kept while
     * it lived ({@link #keep}) used.
     */
    private String cwd(Task task) {
        Optional<String> now = Procfs.link(task.tid(), "cwd");
        if (now.isEmpty() && task.tgid() != task.tid()) {
            now = Procfs.link(task.tgid(), "cwd");
        }
        return now.orElse(task.cwd());
    }

    /** Returns the credentials of a status's Uid and Gid lines (real, effective, saved), or null without them. */
    private static Credentials credentials(Procfs.Ids ids) {
        long[] uid = ids.uid();
        long[] gid = ids.gid();
        if (uid.length < 3 || gid.length < 3) {
            return null;
        }
        return Credentials.newBuilder()
                .setRealUid((int) uid[0]).setEffectiveUid((int) uid[1]).setSavedUid((int) uid[2])
                .setRealGid((int) gid[0]).setEffectiveGid((int) gid[1]).setSavedGid((int) gid[2])
                .build();
    }
}
