package dev.seccheck.sentry.trace;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.Procfs;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.PipeProcInfo;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;

/**
 * PipePeers fills ExecveInfo's {@code pipe_input_proc} and {@code pipe_output_proc} as gVisor's
 * sentry does (the optional field {@code pipe_proc_info}): when the new program's stdin is a
 * pipe, the sibling process (a child of the same parent) whose stdout is that pipe; when its
 * stdout is a pipe, the sibling whose stdin is that pipe; each as the sibling's context alone,
 * for a consumer to match with what it already knows of that process (a shell pipeline's other
 * stages). A process without a parent in the messages (the program of {@code seccheck run} or
 * {@code seccheck exec}, like a sandbox's init) has no siblings. A pipe is known by the kernel's
 * name for it ({@code pipe:[inode]}), which no other open pipe has.
 */
final class PipePeers {
    private PipePeers() {}

    private static final int STDIN = 0;
    private static final int STDOUT = 1;

    /** Sets the pipe peers of {@code executed}, which has just executed its new program, in {@code b}. */
    static void fill(ContextFactory context, Task executed, FieldSet fields, long now, ExecveInfo.Builder b) {
        int pid = executed.tgid();
        String in = pipe(pid, STDIN);
        String out = pipe(pid, STDOUT);
        if (in == null && out == null || executed.parentTgid() == 0) {
            return;
        }
        TaskTable tasks = context.tasks();
        for (int tgid : tasks.tgids()) {
            if ((in == null || b.hasPipeInputProc()) && (out == null || b.hasPipeOutputProc())) {
                return;
            }
            Task sibling = tasks.get(tgid);
            if (tgid == pid || sibling == null || sibling.parentTgid() != executed.parentTgid()) {
                continue;
            }
            if (in != null && !b.hasPipeInputProc() && in.equals(pipe(tgid, STDOUT))) {
                b.setPipeInputProc(info(context, sibling, fields, now));
            }
            if (out != null && !b.hasPipeOutputProc() && out.equals(pipe(tgid, STDIN))) {
                b.setPipeOutputProc(info(context, sibling, fields, now));
            }
        }
    }

    /** The pipe that is descriptor {@code fd} of {@code pid}, or null when it is none. */
    private static String pipe(int pid, int fd) {
        return Procfs.link(pid, "fd/" + fd).filter(l -> l.startsWith("pipe:")).orElse(null);
    }

    private static PipeProcInfo info(ContextFactory context, Task sibling, FieldSet fields, long now) {
        PipeProcInfo.Builder p = PipeProcInfo.newBuilder();
        ContextData c = context.build(sibling, fields, now);
        if (c != null) {
            p.setContextData(c);
        }
        return p.build();
    }
}
