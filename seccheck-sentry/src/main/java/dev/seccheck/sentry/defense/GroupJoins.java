package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Syscalls;
import java.io.IOException;
import java.util.OptionalInt;

/**
 * GroupJoins answers {@code setpgid(pid, seccheck's process group)}, which {@link Guard} holds for
 * the supervisor. No process may move into that group: one outside it that joined between
 * {@link GroupSignals}' look at the caller's group and the kernel's kill would have its
 * {@code kill(0)} reach seccheck. A filter cannot see the target's group, and refusing them all
 * refused the no-op too: {@code setpgid(0, getpgrp())}, {@code posix_spawn} with
 * {@code POSIX_SPAWN_SETPGROUP} and the caller's own group ({@code subprocess.Popen(process_group=
 * os.getpgrp())}), which natively return 0.
 *
 * <p>The kernel never performs such a call. A target (pid 0: the caller's process) in seccheck's
 * group now is answered here with the kernel's own answer, computed from the target's
 * {@code /proc} facts as kernel/sys.c's setpgid orders its checks: EINVAL for a thread that is no
 * thread-group leader; ESRCH when it is neither the caller's process nor a child of it; for a
 * child, EPERM in another session, EACCES once it has exec'd ({@code PF_FORKNOEXEC} clear); EPERM
 * for a session leader; else 0, the group being the target's own and the caller's session's. As
 * nothing is moved, a target leaving the group between this look and the answer is not brought
 * back by it: the answer is the one it would have had a moment before. Any other target (not in
 * the group, gone, or unreadable) is refused with EPERM, as the filter did before; a shell with
 * job control makes that call, ignoring its failure, as it exits, so it is not named in the run's
 * log. A caller in a pid namespace below seccheck's names a group of its own namespace, where
 * seccheck's has no number: that call goes on to the kernel.
 *
 * <p>The caller's own process waits for this answer, so its facts hold still: they are read from
 * the calling thread's {@code stat}, and whether a number names that process (the target, a
 * child's parent, its session's leader) is asked of the kernel, a tgkill with signal 0. Another
 * target's facts are of one reading of its {@code stat} between a pidfd taken and seen alive, so
 * they are of the process the number named, not of one that reused it once a thread of the
 * caller reaped it; a process that ended between is refused, as one not found. A held setpgid
 * takes about 25 us where a held kill of one process takes 6; setpgid is rare (once a spawn).
 *
 * @param supervisorGroup seccheck's process group id
 * @param targets which pid namespace a caller is in
 */
public record GroupJoins(int supervisorGroup, SignalTargets targets) {

    /** include/linux/sched.h: forked but did not exec. */
    static final long PF_FORKNOEXEC = 0x40;

    /** Returns whether a held syscall is one the guard holds for this check. */
    public static boolean held(int nr) {
        return nr == Sysno.SETPGID;
    }

    /**
     * Returns how the held {@code setpgid(pidArg, pgidArg)} of task {@code callerTid} is answered:
     * an errno, 0 for the kernel's no-op, or empty to let the kernel perform it (a group of the
     * caller's own pid namespace).
     */
    public OptionalInt answer(int callerTid, long pidArg, long pgidArg) {
        if ((int) pgidArg != supervisorGroup || supervisorGroup <= 0) {
            return OptionalInt.of(Errno.EPERM); // not held for this; 0 would be the target's own pid
        }
        if (!targets.inSupervisorsNamespace(callerTid)) {
            return OptionalInt.empty();
        }
        int pid = (int) pidArg;
        if (pid < 0) {
            return OptionalInt.of(Errno.EPERM);
        }
        // The caller's own process: it waits for this answer, so its facts hold still (but for its
        // other threads' setsid, which race the call natively too).
        boolean self = pid == 0 || inProcess(pid, callerTid);
        Facts target = self ? ofCaller(callerTid) : facts(pid);
        if (target == null || target.group() != supervisorGroup) {
            return OptionalInt.of(Errno.EPERM);
        }
        if (!target.leader()) {
            return OptionalInt.of(Errno.EINVAL);
        }
        if (!self) {
            if (!inProcess(target.parent(), callerTid)) {
                return OptionalInt.of(Errno.ESRCH);
            }
            Facts caller = ofCaller(callerTid);
            if (caller == null || caller.session() != target.session()) {
                return OptionalInt.of(Errno.EPERM);
            }
            if ((target.flags() & PF_FORKNOEXEC) == 0) {
                return OptionalInt.of(Errno.EACCES);
            }
        }
        if (self ? inProcess(target.session(), callerTid) : target.session() == pid) {
            return OptionalInt.of(Errno.EPERM); // a session leader
        }
        return OptionalInt.of(0);
    }

    /** Whether thread {@code tid} is one of process {@code tgid}'s (tgkill with signal 0: no ESRCH). */
    private static boolean inProcess(int tgid, int tid) {
        return tgid > 0 && Syscalls.isThreadOf(tgid, tid);
    }

    /**
     * What setpgid looks at in a task: whether it leads its thread group, its parent (stat's
     * {@code ppid}: the real parent's process, not a tracer), group, session and flags.
     */
    record Facts(boolean leader, int parent, int group, int session, long flags) {}

    /** The facts of the caller's process, by its thread {@code tid}'s stat (the group and session are its process's); null if unreadable. */
    private static Facts ofCaller(int tid) {
        String[] stat = stat(tid);
        return stat == null ? null : of(true, stat);
    }

    /**
     * The facts of task {@code pid} by seccheck's numbers, of one reading of its stat; null when it
     * is gone or cannot be read. A thread that is no leader has no pidfd of its process (EINVAL,
     * or ESRCH on recent kernels): its status names another thread group, and its group, read
     * without a pidfd, is all setpgid looks at before its EINVAL.
     */
    static Facts facts(int pid) {
        try (Pidfd process = Pidfd.ofProcess(pid)) {
            if (process == null) {
                int tgid = Procfs.status(pid).map(Procfs.Status::tgid).orElse(-1);
                String[] stat = tgid > 0 && tgid != pid ? stat(pid) : null;
                return stat == null ? null : of(false, stat);
            }
            String[] stat = stat(pid);
            return stat == null || !process.alive() ? null : of(true, stat);
        }
    }

    private static Facts of(boolean leader, String[] stat) {
        return new Facts(leader, Integer.parseInt(stat[1]), Integer.parseInt(stat[2]), Integer.parseInt(stat[3]),
                Long.parseLong(stat[6]));
    }

    /** stat's fields after the command name, or null. */
    private static String[] stat(int pid) {
        try {
            String[] f = Procfs.statFieldsAfterComm(pid);
            return f.length > 6 ? f : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
