package dev.seccheck.sentry.task;

import dev.seccheck.linux.Procfs;
import dev.seccheck.proto.common.Credentials;

/**
 * Task is what the supervisor knows of one traced thread, kept so that most context fields cost
 * no /proc read per point. Immutable: the tracer replaces a task's entry when something changes,
 * and the notifier thread reads whichever version is current.
 *
 * @param startNs CLOCK_REALTIME nanoseconds when the thread was created (first seen)
 * @param groupStartNs the same for its thread group's leader
 * @param parentTgid the thread group id of the process's parent (0: none in the run); when the
 *     parent exits the kernel gives the process another, and {@link TaskTable#reparent} follows
 * @param comm the thread's name (refreshed at exec, and after the thread renamed itself with
 *     {@code prctl(PR_SET_NAME)}), or null when it was not read because no point was enabled then:
 *     {@link #comm()} reads it when first wanted
 * @param cwd the working directory as kept for sentry/task_exit, which fires after /proc forgot the
 *     task; null when not kept. Points of a live task read the cwd from /proc instead (a CLONE_FS
 *     sibling's chdir, a rename of a directory above it change it without a call of the task)
 * @param credentials the credentials, or null when they must be re-read (after set*id)
 * @param execSession whether the task belongs to a command started with {@code seccheck exec}
 */
public record Task(int tid, int tgid, int parentTgid, long startNs, long groupStartNs, String comm, String cwd,
        Credentials credentials, boolean execSession) {

    /**
     * Returns the thread's name: as read at its exec or attach, or read from /proc now when it was
     * not read then ("" once the thread is gone). {@link TaskTable#fillNames} stores the names of
     * every live task when a session is about to start, so this rarely reads.
     */
    @Override
    public String comm() {
        return comm != null ? comm : Procfs.comm(tid);
    }

    /** Returns the name as read at exec, or null when it was not read (never reads /proc). */
    public String knownComm() {
        return comm;
    }

    /** Returns this task with its name replaced (after exec). */
    public Task withComm(String newComm) {
        return new Task(tid, tgid, parentTgid, startNs, groupStartNs, newComm, cwd, credentials, execSession);
    }

    /** Returns this task with its parent process replaced (its parent exited: the kernel gave it another). */
    public Task withParentTgid(int newParentTgid) {
        return new Task(tid, tgid, newParentTgid, startNs, groupStartNs, comm, cwd, credentials, execSession);
    }

    /** Returns this task with its kept cwd replaced. */
    public Task withCwd(String newCwd) {
        return new Task(tid, tgid, parentTgid, startNs, groupStartNs, comm, newCwd, credentials, execSession);
    }

    /** Returns this task with its credentials replaced (null: re-read when next needed). */
    public Task withCredentials(Credentials newCredentials) {
        return new Task(tid, tgid, parentTgid, startNs, groupStartNs, comm, cwd, newCredentials, execSession);
    }

    /** Returns whether the task leads its thread group. */
    public boolean isLeader() {
        return tid == tgid;
    }
}
