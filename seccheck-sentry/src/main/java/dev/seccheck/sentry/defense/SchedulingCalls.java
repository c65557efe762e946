package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import java.util.OptionalInt;

/**
 * SchedulingCalls keeps the program from changing how seccheck's threads are scheduled. The
 * kernel lets a process lower the priority, narrow the CPUs, and change the scheduling class or
 * I/O priority of any process of its user: a program could make seccheck's tracer and notifier
 * run only when its own threads leave a CPU idle ({@code SCHED_IDLE} on one pinned CPU), and with
 * them every call they hold. {@link Guard} holds the calls that can reach another task
 * ({@code setpriority}, {@code ioprio_set}, {@code sched_setaffinity}, {@code sched_setscheduler},
 * {@code sched_setparam}, {@code sched_setattr}); this refuses (EPERM) those that would reach one
 * of seccheck's threads: named alone ({@link SignalTargets} knows the threads the JVM started
 * since the filter was built), as the caller's process group while that is seccheck's
 * ({@link GroupSignals}), or as every process of seccheck's user, by whatever number the caller's
 * user namespace gives that user ({@link UserIdMaps}). A group or user named from a pid namespace
 * of the caller's own reaches no thread of seccheck, which the kernel does not show there. Any
 * other call goes on to the kernel, whose own checks (the arguments, no such task) then apply as
 * natively. Unlike a signal ({@link SignalTargets}), a call naming no task is not answered here:
 * the kernel checks and copies these calls' arguments before it looks (sched_setattr writes its
 * size back on E2BIG), so a thread seccheck starts in the microseconds between the two looks, with
 * that very number, could be reached; all it would lose is its priority.
 *
 * @param processGroup seccheck's process group
 * @param uid seccheck's real user id: {@code PRIO_USER} and {@code IOPRIO_WHO_USER} of that user
 *     reach seccheck
 * @param targets which tasks are seccheck's threads
 * @param groups whether a caller is still in seccheck's process group
 * @param users which user a number names in the caller's user namespace
 */
public record SchedulingCalls(int processGroup, int uid, SignalTargets targets, GroupSignals groups, UserIdMaps users) {

    /** setpriority(2)'s {@code which}: a process, a process group, a user. */
    static final int PRIO_PROCESS = 0;
    static final int PRIO_PGRP = 1;
    static final int PRIO_USER = 2;
    /** ioprio_set(2)'s {@code which}, numbered from 1. */
    static final int IOPRIO_WHO_PROCESS = 1;
    static final int IOPRIO_WHO_PGRP = 2;
    static final int IOPRIO_WHO_USER = 3;

    /** Returns whether a held syscall is one the guard holds for this check. */
    public static boolean held(int nr, long arg0, long arg1) {
        Kind kind = kind(nr, (int) arg0);
        return kind != null && (kind != Kind.TASK || target(nr, arg0, arg1) > 0);
    }

    /**
     * Returns EPERM when the held call of task {@code callerTid} would reach seccheck, or the
     * kernel's own ESRCH where only an answer given here is sure to be the kernel's (below); empty
     * to let it go on.
     */
    public OptionalInt refusal(int callerTid, int nr, long arg0, long arg1) {
        Kind kind = kind(nr, (int) arg0);
        if (kind == null) {
            return OptionalInt.empty();
        }
        int who = target(nr, arg0, arg1);
        return switch (kind) {
            case TASK -> refusedIf(targets.ofTask(callerTid, who).map(SignalTargets.Refusal::aimedAtSupervisor).orElse(false));
            case GROUP -> refusedIf(who == 0 ? groups.reachesSupervisor(callerTid)
                    : who == processGroup && targets.inSupervisorsNamespace(callerTid));
            case USER -> userRefusal(callerTid, nr, who);
        };
    }

    /** What a call names: one task, a process group (0: the caller's) or a user (0: the caller's). */
    private enum Kind { TASK, GROUP, USER }

    /**
     * What call {@code nr} names: setpriority's and ioprio_set's by their {@code which} (null for
     * one the kernel refuses, or another call), a task for the sched_* calls.
     */
    private static Kind kind(int nr, int which) {
        return switch (nr) {
            case Sysno.SETPRIORITY -> which == PRIO_PROCESS ? Kind.TASK : which == PRIO_PGRP ? Kind.GROUP
                    : which == PRIO_USER ? Kind.USER : null;
            case Sysno.IOPRIO_SET -> which == IOPRIO_WHO_PROCESS ? Kind.TASK : which == IOPRIO_WHO_PGRP ? Kind.GROUP
                    : which == IOPRIO_WHO_USER ? Kind.USER : null;
            case Sysno.SCHED_SETAFFINITY, Sysno.SCHED_SETSCHEDULER, Sysno.SCHED_SETPARAM, Sysno.SCHED_SETATTR -> Kind.TASK;
            default -> null;
        };
    }

    /** The id the call names: setpriority's and ioprio_set's {@code who}, the sched_* calls' pid. */
    private static int target(int nr, long arg0, long arg1) {
        return (int) (nr == Sysno.SETPRIORITY || nr == Sysno.IOPRIO_SET ? arg1 : arg0);
    }

    private static OptionalInt refusedIf(boolean reachesSupervisor) {
        return reachesSupervisor ? OptionalInt.of(Errno.EPERM) : OptionalInt.empty();
    }

    /**
     * A user's processes, named by {@code who}: setpriority's 0 is the caller's own user; any other
     * number, and ioprio_set's 0, a user of the caller's user namespace. Where that namespace's map
     * is not written yet the number names no user now, and may name seccheck's once another task
     * writes the map, between this look and the kernel's: setpriority is answered here with the
     * kernel's ESRCH of now; ioprio_set is refused, as its answer would first depend on checks of
     * the priority that differ between kernels. A user that cannot be told is refused.
     */
    private OptionalInt userRefusal(int callerTid, int nr, int who) {
        if (!targets.inSupervisorsNamespace(callerTid)) {
            return OptionalInt.empty();
        }
        long user = nr == Sysno.SETPRIORITY && who == 0 ? realUid(callerTid)
                : users.uid(callerTid, Integer.toUnsignedLong(who));
        if (user == UserIdMaps.NOT_WRITTEN && nr == Sysno.SETPRIORITY) {
            return OptionalInt.of(Errno.ESRCH);
        }
        return refusedIf(user == uid || user == UserIdMaps.NOT_WRITTEN || user == UserIdMaps.UNKNOWN);
    }

    /** The caller's real user id, whose processes setpriority's {@code who} of 0 names; seccheck's when it cannot be read (refused). */
    private int realUid(int tid) {
        long[] ids = Procfs.status(tid).map(st -> st.ids("Uid")).orElse(null);
        return ids == null || ids.length == 0 ? uid : (int) ids[0];
    }
}
