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
 * ({@link GroupSignals}), or as every process of seccheck's user. Any other goes on to the kernel,
 * whose own checks (the arguments, no such task) then apply as natively.
 *
 * @param processGroup seccheck's process group
 * @param uid seccheck's real user id: {@code PRIO_USER} and {@code IOPRIO_WHO_USER} of that user
 *     reach seccheck
 * @param targets which tasks are seccheck's threads
 * @param groups whether a caller is still in seccheck's process group
 */
public record SchedulingCalls(int processGroup, int uid, SignalTargets targets, GroupSignals groups) {

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

    /** Returns EPERM when the held call of task {@code callerTid} would reach seccheck; empty to let it go on. */
    public OptionalInt refusal(int callerTid, int nr, long arg0, long arg1) {
        Kind kind = kind(nr, (int) arg0);
        return kind != null && reaches(callerTid, kind, target(nr, arg0, arg1)) ? OptionalInt.of(Errno.EPERM)
                : OptionalInt.empty();
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

    private boolean reaches(int callerTid, Kind kind, int who) {
        return switch (kind) {
            case TASK -> targets.ofTask(callerTid, who).map(SignalTargets.Refusal::aimedAtSupervisor).orElse(false);
            case GROUP -> who == 0 ? groups.reachesSupervisor(callerTid) : who == processGroup;
            case USER -> (who == 0 ? realUid(callerTid) : who) == uid;
        };
    }

    /** The caller's real user id, whose processes a {@code who} of 0 names; seccheck's when it cannot be read (refused). */
    private int realUid(int tid) {
        long[] ids = Procfs.status(tid).map(st -> st.ids("Uid")).orElse(null);
        return ids == null || ids.length == 0 ? uid : (int) ids[0];
    }
}
