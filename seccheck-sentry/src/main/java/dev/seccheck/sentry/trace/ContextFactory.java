package dev.seccheck.sentry.trace;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.Procfs;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;

/**
 * ContextFactory fills {@code ContextData} with exactly the context fields a session asked for,
 * from the task table; cwd and credentials are read from /proc only when they were invalidated by
 * a syscall that changes them, then cached again.
 */
final class ContextFactory {

    private final String containerId;
    private final TaskTable tasks;

    ContextFactory(String containerId, TaskTable tasks) {
        this.containerId = containerId;
        this.tasks = tasks;
    }

    /** Builds the context of {@code task} at time {@code nowNs} holding the fields in {@code fields}. */
    ContextData build(Task task, FieldSet fields, long nowNs) {
        if (fields.context().isEmpty()) {
            return null;
        }
        ContextData.Builder b = ContextData.newBuilder();
        if (fields.hasContext(ContextField.TIME)) {
            b.setTimeNs(nowNs);
        }
        if (fields.hasContext(ContextField.THREAD_ID)) {
            b.setThreadId(task.tid());
        }
        if (fields.hasContext(ContextField.TASK_START_TIME)) {
            b.setThreadStartTimeNs(task.startNs());
        }
        if (fields.hasContext(ContextField.GROUP_ID)) {
            b.setThreadGroupId(task.tgid());
        }
        if (fields.hasContext(ContextField.THREAD_GROUP_START_TIME)) {
            b.setThreadGroupStartTimeNs(task.groupStartNs());
        }
        if (fields.hasContext(ContextField.CONTAINER_ID)) {
            b.setContainerId(containerId);
        }
        if (fields.hasContext(ContextField.CREDENTIALS)) {
            Credentials c = credentials(task);
            if (c != null) {
                b.setCredentials(c);
            }
        }
        if (fields.hasContext(ContextField.CWD)) {
            String cwd = cwd(task);
            if (cwd != null) {
                b.setCwd(cwd);
            }
        }
        if (fields.hasContext(ContextField.PROCESS_NAME)) {
            b.setProcessName(task.comm());
        }
        if (fields.hasContext(ContextField.PARENT_THREAD_GROUP_ID)) {
            b.setParentThreadGroupId(task.parentTgid());
        }
        if (fields.hasContext(ContextField.IS_EXEC_SESSION)) {
            b.setIsExecSession(task.execSession());
        }
        return b.build();
    }

    private Credentials credentials(Task task) {
        if (task.credentials() != null) {
            return task.credentials();
        }
        Credentials c = Procfs.status(task.tid()).map(ContextFactory::credentials).orElse(null);
        if (c != null) {
            tasks.replace(task, task.withCredentials(c));
        }
        return c;
    }

    private String cwd(Task task) {
        if (task.cwd() != null) {
            return task.cwd();
        }
        String cwd = Procfs.link(task.tid(), "cwd").orElse(null);
        if (cwd != null) {
            tasks.replace(task, task.withCwd(cwd));
        }
        return cwd;
    }

    /** Returns the credentials of a status's Uid and Gid lines (real, effective, saved), or null without them. */
    private static Credentials credentials(Procfs.Status st) {
        long[] uid = st.ids("Uid");
        long[] gid = st.ids("Gid");
        if (uid == null || gid == null || uid.length < 3 || gid.length < 3) {
            return null;
        }
        return Credentials.newBuilder()
                .setRealUid((int) uid[0]).setEffectiveUid((int) uid[1]).setSavedUid((int) uid[2])
                .setRealGid((int) gid[0]).setEffectiveGid((int) gid[1]).setSavedGid((int) gid[2])
                .build();
    }
}
