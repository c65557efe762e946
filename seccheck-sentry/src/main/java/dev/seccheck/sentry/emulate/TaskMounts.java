package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.MountStatus;
import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;

/**
 * TaskMounts tells what the kernel holds of the mount one of our fds is on, in the mount namespace
 * of a task: statmount(2) of the mount's unique id in that namespace ({@link MountStatus}), asked
 * with seccheck's own credentials ({@link Identity#asOwn}: a program's, its capabilities dropped,
 * would be refused a look at a namespace other than seccheck's). Unlike the task's mountinfo, which
 * the kernel filters by the task's root, this sees every mount of the namespace, whatever root the
 * task has: a task chrooted into a plain directory still reaches, through its working directory
 * or a descriptor kept from before, mounts its mountinfo no longer shows. The mount is found by
 * its unique id, never reused, so a task that moves to another namespace meanwhile makes it
 * unfound, never another. One instance per thread: it reuses its buffers.
 */
final class TaskMounts {

    /** What the kernel told of a mount. */
    sealed interface Told {
        /** The mount, as statmount describes it. */
        record Described(MountStatus.Described mount) implements Told {}

        /**
         * The kernel cannot be asked, whatever the mount: no unique mount ids (before Linux 6.8),
         * no namespace ids (6.9), no statmount of a namespace by its id (6.11). Only then may a
         * caller fall back to the task's mountinfo.
         */
        record Unaskable() implements Told {}

        /**
         * Asked, the kernel named no such mount in the task's namespace (a detached one, another
         * namespace's, the task gone): a caller that must place the mount fails closed.
         */
        record Unnamed() implements Told {}
    }

    private static final Told UNASKABLE = new Told.Unaskable();
    private static final Told UNNAMED = new Told.Unnamed();

    private final PathCalls calls;
    private final MountStatus status = new MountStatus();

    /** @param calls the calling thread's buffers for the file calls */
    TaskMounts(PathCalls calls) {
        this.calls = calls;
    }

    /** The mount our fd {@code fd} is on, in the mount namespace of task {@code tid}. */
    Told of(int fd, int tid) {
        PathCalls.Statx sx = calls.statNoSync(fd);
        if (sx == null) {
            return UNNAMED;
        }
        return mount(sx.uniqueMountId(), tid);
    }

    /**
     * The mount of unique id {@code uniqueMountId} ({@link PathCalls.Statx#uniqueMountId}, -1 when
     * the kernel has none) in the mount namespace of task {@code tid}: unnamed when it is a mount
     * of another namespace.
     */
    Told mount(long uniqueMountId, int tid) {
        if (uniqueMountId <= 0) {
            return UNASKABLE;
        }
        return Identity.asOwn(() -> {
            int ns = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/mnt", O_RDONLY | O_CLOEXEC);
            if (ns < 0) {
                return UNNAMED;
            }
            try {
                long nsId = NamespaceFiles.mountNamespaceId(ns);
                if (nsId == -Errno.ENOTTY) {
                    return UNASKABLE;
                }
                if (nsId <= 0) {
                    return UNNAMED;
                }
                return status.describe(uniqueMountId, nsId).<Told>map(Told.Described::new)
                        .orElse(status.unsupported() ? UNASKABLE : UNNAMED);
            } finally {
                PathCalls.close(ns);
            }
        });
    }
}
