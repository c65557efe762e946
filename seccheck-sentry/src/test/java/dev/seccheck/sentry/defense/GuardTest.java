package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Program;
import dev.seccheck.sentry.filter.SeccompFilter;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Runs the guard fragment, inside a complete filter, through the BPF interpreter. */
class GuardTest {

    private static final int SELF = 5000;
    private static final int PGID = 4990;
    private static final int EPERM = Seccomp.RET_ERRNO | Errno.EPERM;
    private static final int ENOSYS = Seccomp.RET_ERRNO | Errno.ENOSYS;
    private static final int ALLOW = Seccomp.RET_ALLOW;

    private final Guard guard = new Guard(SELF, PGID, Set.of(5001, 5002, 7000), false);
    private final Program program = SeccompFilter.compile(new FilterAction[0], guard.fragment());

    private int run(Program p, int nr, long... args) {
        return BpfInterpreter.run(p, new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0x1000, args));
    }

    private int run(int nr, long... args) {
        return run(program, nr, args);
    }

    @Test
    void signalsAimedAtTheSupervisorOrEveryoneAreRefusedAndItsGroupsHeld() {
        for (int target : new int[] {SELF, 5001, 7000, -1, -PGID, -SELF}) {
            if (target != -PGID) {
                assertThat(run(Sysno.KILL, target, 9)).as("kill(%d)", target).isEqualTo(EPERM);
            }
            assertThat(run(Sysno.RT_SIGQUEUEINFO, target, 9, 0)).as("rt_sigqueueinfo(%d)", target).isEqualTo(EPERM);
        }
        // kill of the supervisor's group, as kill(0): held, GroupSignals signals the run's processes in it.
        assertThat(run(Sysno.KILL, -PGID, 9)).as("kill(-group)").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.KILL, 0xffff_ffff_0000_0000L | (-PGID & 0xffff_ffffL), 9)).as("kill(-group), high bits")
                .isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.KILL, 0, 9)).as("kill(0)").isEqualTo(Seccomp.RET_USER_NOTIF);
        for (int tid : new int[] {SELF, 5002, 7000}) {
            assertThat(run(Sysno.TKILL, tid, 9)).isEqualTo(EPERM);
            assertThat(run(Sysno.TGKILL, SELF, tid, 9)).isEqualTo(EPERM);
            assertThat(run(Sysno.TGKILL, 1234, tid, 9)).isEqualTo(EPERM);
            assertThat(run(Sysno.RT_TGSIGQUEUEINFO, tid, tid, 9, 0)).isEqualTo(EPERM);
            assertThat(run(Sysno.PIDFD_OPEN, tid, 0)).isEqualTo(EPERM);
            // Held: OutsideProcesses refuses seccheck, which it does not trace (OutsideProcessesTest).
            assertThat(run(Sysno.PROCESS_VM_READV, tid, 0, 1, 0, 1, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
            assertThat(run(Sysno.PROCESS_VM_WRITEV, tid, 0, 1, 0, 1, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        }
        // The kernel reads a pid_t: high bits set around the supervisor's pid still name it.
        assertThat(run(Sysno.KILL, 0xffff_ffff_0000_0000L | SELF, 9)).isEqualTo(EPERM);
    }

    @Test
    void signalsForOtherProcessesPass() {
        assertThat(run(Sysno.KILL, -1234, 15)).as("kill(-1234)").isEqualTo(ALLOW);
        assertThat(run(Sysno.TGKILL, 1234, 1235, 15)).isEqualTo(ALLOW);
        assertThat(run(Sysno.PIDFD_OPEN, 0, 0)).as("pidfd_open(0): the kernel's EINVAL").isEqualTo(ALLOW);
    }

    /**
     * Scheduling calls that can reach another task are held for SchedulingCalls; those on the
     * caller itself (0) pass.
     */
    @Test
    void schedulingAnotherTaskIsHeldForSchedulingCalls() {
        int notify = Seccomp.RET_USER_NOTIF;
        for (int nr : new int[] {Sysno.SCHED_SETAFFINITY, Sysno.SCHED_SETSCHEDULER, Sysno.SCHED_SETPARAM, Sysno.SCHED_SETATTR}) {
            assertThat(run(nr, 1234, 0, 0)).as("%s(1234)", Sysno.name(nr)).isEqualTo(notify);
            assertThat(run(nr, SELF, 0, 0)).as("%s(seccheck)", Sysno.name(nr)).isEqualTo(notify);
            assertThat(run(nr, 0, 0, 0)).as("%s(0)", Sysno.name(nr)).isEqualTo(ALLOW);
            assertThat(SchedulingCalls.held(nr, 1234, 0)).isTrue();
            assertThat(SchedulingCalls.held(nr, 0, 0)).isFalse();
        }
        for (long[] a : new long[][] {{0, 1234}, {1, 0}, {1, PGID}, {2, 0}, {2, 1000}}) {
            assertThat(run(Sysno.SETPRIORITY, a[0], a[1], 19)).as("setpriority(%d, %d)", a[0], a[1]).isEqualTo(notify);
            assertThat(SchedulingCalls.held(Sysno.SETPRIORITY, a[0], a[1])).isTrue();
            assertThat(run(Sysno.IOPRIO_SET, a[0] + 1, a[1], 0)).as("ioprio_set(%d, %d)", a[0] + 1, a[1]).isEqualTo(notify);
            assertThat(SchedulingCalls.held(Sysno.IOPRIO_SET, a[0] + 1, a[1])).isTrue();
        }
        assertThat(run(Sysno.SETPRIORITY, 0, 0, 19)).as("setpriority of the caller").isEqualTo(ALLOW);
        assertThat(run(Sysno.IOPRIO_SET, 1, 0, 0)).as("ioprio_set of the caller").isEqualTo(ALLOW);
        assertThat(run(Sysno.SETPRIORITY, 3, 1234, 19)).as("a which the kernel refuses").isEqualTo(ALLOW);
        assertThat(SchedulingCalls.held(Sysno.SETPRIORITY, 0, 0)).isFalse();
        assertThat(Guard.why(Sysno.SCHED_SETAFFINITY, 0)).contains("scheduled");
    }

    /**
     * A signal to one task the list does not name may be aimed at a thread the JVM started
     * since: held for SignalTargets, whatever the signal; and so is a pidfd of one (a PIDFD_THREAD
     * pidfd of such a thread was had before).
     */
    @Test
    void aSignalOrAPidfdForOneOtherTaskIsHeldForSignalTargets() {
        for (long target : new long[] {1234, SELF + 3, PGID, 0x7fff_ffffL, 0xffff_ffff_0000_0000L | 1234}) {
            for (int nr : new int[] {Sysno.KILL, Sysno.RT_SIGQUEUEINFO, Sysno.TKILL, Sysno.PIDFD_OPEN}) {
                assertThat(run(nr, target, 0, 0)).as("%s(%d)", Sysno.name(nr), target).isEqualTo(Seccomp.RET_USER_NOTIF);
                assertThat(SignalTargets.held(nr, target)).as("%s(%d)", Sysno.name(nr), target).isTrue();
            }
        }
        for (long target : new long[] {0x8000_0000L, -1234, 1L << 32}) {
            assertThat(SignalTargets.held(Sysno.KILL, target)).as("kill(%d)", target).isFalse();
            assertThat(run(Sysno.TKILL, target, 0)).as("tkill(%d): the kernel's EINVAL or ESRCH", target).isEqualTo(ALLOW);
        }
        assertThat(SignalTargets.held(Sysno.TGKILL, 1234)).isFalse();
    }

    /**
     * A new user namespace (unshare, clone) and every setns are held, so that the supervisor
     * learns a task may leave its user namespace before it can; other namespaces and plain
     * clones pass. The filter and UserNamespaces agree.
     */
    @Test
    void callsThatMayLeaveTheUserNamespaceAreHeld() {
        long newUser = CloneFlags.CLONE_NEWUSER;
        long newNet = 0x40000000L;
        assertThat(run(Sysno.UNSHARE, newUser)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.UNSHARE, newUser | newNet)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.UNSHARE, newNet)).isEqualTo(ALLOW);
        assertThat(run(Sysno.CLONE, newUser | 17)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.CLONE, 0x3d0f00)).as("a thread").isEqualTo(ALLOW);
        assertThat(run(Sysno.CLONE, newUser | CloneFlags.CLONE_UNTRACED)).as("still refused").isNotEqualTo(ALLOW)
                .isNotEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.SETNS, 3, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.SETNS, 3, newNet)).isEqualTo(Seccomp.RET_USER_NOTIF);
        for (int nr : new int[] {Sysno.UNSHARE, Sysno.CLONE, Sysno.SETNS}) {
            for (long flags : new long[] {0, newUser, newNet, newUser | newNet}) {
                assertThat(run(nr, flags, 0) == Seccomp.RET_USER_NOTIF).as("syscall %d flags %x", nr, flags)
                        .isEqualTo(UserNamespaces.held(nr, flags));
            }
        }
    }

    /**
     * landlock_restrict_self is held, so that the supervisor records the caller's new Landlock
     * domain before the caller has it (LandlockDomains); the rest of Landlock passes.
     */
    @Test
    void confiningWithLandlockIsHeld() {
        assertThat(run(Sysno.LANDLOCK_RESTRICT_SELF, 3, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.LANDLOCK_CREATE_RULESET, 0, 0, 1)).isEqualTo(ALLOW);
        assertThat(run(Sysno.LANDLOCK_ADD_RULE, 3, 1, 0x1000, 0)).isEqualTo(ALLOW);
        assertThat(guard.refusal(Sysno.LANDLOCK_RESTRICT_SELF, 3, 0, 0)).as("let through once recorded").isEmpty();
    }

    /** Memory access to another process is held: whether it is of the run is not in a filter's sight. */
    @Test
    void memoryAccessToAnotherProcessIsHeldForTheSupervisorToDecide() {
        assertThat(run(Sysno.PROCESS_VM_READV, 1234, 0, 1, 0, 1, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.PROCESS_VM_WRITEV, 1234, 0, 1, 0, 1, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(guard.refusal(Sysno.PROCESS_VM_WRITEV, 1234, 0, 0)).as("OutsideProcesses decides").isEmpty();
        assertThat(run(Sysno.PRLIMIT64, 1234, 7, 0, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.PRLIMIT64, 0, 7, 0, 0)).as("the caller's own").isEqualTo(ALLOW);
        assertThat(run(Sysno.PRLIMIT64, 0xffff_ffffL, 7, 0, 0)).as("-1: no process").isEqualTo(ALLOW);
        assertThat(run(Sysno.PERF_EVENT_OPEN, 0x7000, 1234, -1, -1, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.PERF_EVENT_OPEN, 0x7000, 0, -1, -1, 0)).as("the caller's own").isEqualTo(ALLOW);
        assertThat(run(Sysno.PERF_EVENT_OPEN, 0x7000, -1, 0, -1, 0)).as("every process on a CPU").isEqualTo(ALLOW);
        assertThat(run(Sysno.KCMP, SELF, SELF, 0, 0, 0)).as("two pids").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.PROCESS_MADVISE, 3, 0, 1, 20, 0)).as("a pidfd").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.PROCESS_MRELEASE, 3, 0)).as("a pidfd").isEqualTo(Seccomp.RET_USER_NOTIF);
        for (int nr : new int[] {Sysno.GET_ROBUST_LIST, Sysno.MOVE_PAGES, Sysno.MIGRATE_PAGES}) {
            assertThat(run(nr, 1234, 0, 0, 0, 0, 0)).as("syscall %d of another process", nr).isEqualTo(Seccomp.RET_USER_NOTIF);
            assertThat(run(nr, 0, 0, 0, 0, 0, 0)).as("syscall %d of the caller", nr).isEqualTo(ALLOW);
        }
        assertThat(guard.refusal(Sysno.KCMP, 1234, 1, 0)).as("OutsideProcesses decides").isEmpty();
        assertThat(Guard.why(Sysno.MOVE_PAGES, 0)).contains("outside the run");
    }

    @Test
    void aSignalToTheCallersOwnGroupIsHeldForTheSupervisorToDecide() {
        assertThat(run(Sysno.KILL, 0, 9)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.KILL, 0xffff_ffff_0000_0000L, 9)).as("pid_t 0").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.RT_SIGQUEUEINFO, 0, 9, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
    }

    /** setpgid into the supervisor's group is held for GroupJoins (a target already in it is a no-op); other groups pass. */
    @Test
    void joiningTheSupervisorsProcessGroupIsHeldAndOtherGroupsAreNot() {
        assertThat(run(Sysno.SETPGID, 0, PGID)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.SETPGID, 1234, PGID)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.SETPGID, 0, 0xffff_ffff_0000_0000L | PGID)).as("pid_t").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.SETPGID, PGID, 0)).as("setpgid(PGID, 0)").isEqualTo(ALLOW);
        assertThat(run(Sysno.SETPGID, 0, 0)).isEqualTo(ALLOW);
        assertThat(run(Sysno.SETPGID, 1234, 1234)).isEqualTo(ALLOW);
    }

    @Test
    void ptraceIsRefusedUnlessAllowedAndThenNeverOfTheSupervisor() {
        assertThat(run(Sysno.PTRACE, 0, 0)).as("PTRACE_TRACEME").isEqualTo(EPERM);
        assertThat(run(Sysno.PTRACE, 0x4206, 1234)).isEqualTo(EPERM);
        Program allowing = SeccompFilter.compile(new FilterAction[0],
                new Guard(SELF, PGID, Set.of(5001), true).fragment());
        assertThat(run(allowing, Sysno.PTRACE, 0x4206, 1234)).as("a seize: is 1234 of the run?")
                .isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(allowing, Sysno.PTRACE, 16, 1234)).as("an attach").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(allowing, Sysno.PTRACE, 2, 1234)).as("PTRACE_PEEKDATA of a tracee").isEqualTo(ALLOW);
        assertThat(run(allowing, Sysno.PTRACE, 0x4206, SELF)).as("held: seccheck is no process of the run")
                .isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(allowing, Sysno.PTRACE, 16, 5001)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(allowing, Sysno.PIDFD_GETFD, 3, 4, 0)).isEqualTo(EPERM);
    }

    @Test
    void leavingSupervisionIsRefused() {
        assertThat(run(Sysno.CLONE, CloneFlags.CLONE_UNTRACED | 17, 0)).isEqualTo(EPERM);
        assertThat(run(Sysno.CLONE, 0x003d0f00L, 0)).as("pthread_create's flags").isEqualTo(ALLOW);
        assertThat(run(Sysno.CLONE, 17, 0)).as("fork").isEqualTo(ALLOW);
        assertThat(run(Sysno.CLONE, 0x4111, 0)).as("vfork").isEqualTo(ALLOW);
        assertThat(run(Sysno.CLONE3, 0x7000, 88)).isEqualTo(ENOSYS);
        assertThat(run(Sysno.VFORK)).isEqualTo(ALLOW);
        for (int nr : new int[] {Sysno.IO_URING_SETUP, Sysno.IO_URING_ENTER, Sysno.IO_URING_REGISTER,
                Sysno.PIDFD_SEND_SIGNAL, Guard.FCHMODAT2, Guard.SETXATTRAT, Guard.REMOVEXATTRAT, Guard.FILE_SETATTR,
                Guard.NEWEST + 1, 600, SeccompFilter.MAX_SYSNO + 1}) {
            assertThat(run(nr, 1, 2)).as("syscall %d", nr).isEqualTo(ENOSYS);
        }
        assertThat(run(Guard.FILE_SETATTR - 1, 1, 2)).as("file_getattr only reads").isEqualTo(ALLOW);
        assertThat(run(455, 1, 2)).as("futex_wait").isEqualTo(ALLOW);
        assertThat(run(Sysno.PIDFD_GETFD, 3, 4, 0)).isEqualTo(EPERM);
    }

    @Test
    void onlyDumpableZeroIsRefusedAmongPrctls() {
        assertThat(run(Sysno.PRCTL, 4, 0)).isEqualTo(EPERM);
        assertThat(run(Sysno.PRCTL, 0xdead_0000_0000_0004L, 0)).as("option is an int").isEqualTo(EPERM);
        assertThat(run(Sysno.PRCTL, 4, 1)).isEqualTo(ALLOW);
        assertThat(run(Sysno.PRCTL, 4, 1L << 32)).as("not 0 in its high word").isEqualTo(ALLOW);
        assertThat(run(Sysno.PRCTL, 15, 0)).as("PR_SET_NAME").isEqualTo(ALLOW);
    }

    /**
     * personality with READ_IMPLIES_EXEC would make PROT_READ mappings executable unseen: refused,
     * whatever else is set; the query (0xffffffff, an unsigned int) and other personalities pass.
     */
    @Test
    void readImpliesExecIsRefusedAmongPersonalities() {
        assertThat(run(Sysno.PERSONALITY, 0x0400000, 0)).isEqualTo(EPERM);
        assertThat(run(Sysno.PERSONALITY, 0x0440000, 0)).as("with ADDR_NO_RANDOMIZE").isEqualTo(EPERM);
        assertThat(run(Sysno.PERSONALITY, 0xdead_0000_0040_0000L, 0)).as("the persona is an int").isEqualTo(EPERM);
        assertThat(run(Sysno.PERSONALITY, 0xffff_ffffL, 0)).as("the query").isEqualTo(ALLOW);
        assertThat(run(Sysno.PERSONALITY, -1, 0)).as("the query, high word set").isEqualTo(ALLOW);
        assertThat(run(Sysno.PERSONALITY, 0, 0)).as("PER_LINUX").isEqualTo(ALLOW);
        assertThat(run(Sysno.PERSONALITY, 0x0040000, 0)).as("ADDR_NO_RANDOMIZE").isEqualTo(ALLOW);
        assertThat(Guard.why(Sysno.PERSONALITY, 0)).contains("READ_IMPLIES_EXEC");
    }

    /**
     * A userfaultfd that handles the kernel's faults is refused, by the syscall or by
     * /dev/userfaultfd's ioctl; one of user-mode faults only (flag 1) is not, nor any other ioctl.
     */
    @Test
    void onlyAUserfaultfdOfUserModeFaultsIsLetThrough() {
        int cloexec = 0x80000;
        assertThat(run(Sysno.USERFAULTFD, cloexec)).isEqualTo(EPERM);
        assertThat(run(Sysno.USERFAULTFD, 0)).isEqualTo(EPERM);
        assertThat(run(Sysno.USERFAULTFD, cloexec | 1)).isEqualTo(ALLOW);
        assertThat(run(Sysno.USERFAULTFD, 0xffff_ffff_0000_0000L)).as("flags are an int").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 3, 0xAA00, cloexec)).isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 3, 0xffff_ffff_0000_AA00L, 0)).as("the command is an int").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 3, 0xAA00, cloexec | 1)).isEqualTo(ALLOW);
        assertThat(run(Sysno.IOCTL, 3, 0x5401, 0)).as("TCGETS").isEqualTo(ALLOW);
        assertThat(Guard.why(Sysno.USERFAULTFD, 0)).contains("userfaultfd");
        assertThat(Guard.why(Sysno.IOCTL, 0xAA00)).contains("userfaultfd");
        assertThat(Guard.why(Sysno.PTRACE, 0)).contains("aimed at seccheck");
    }

    /** A file's signals aimed at seccheck (F_SETOWN) are refused; the forms with the owner in memory are held. */
    @Test
    void makingSeccheckAFilesSignalOwnerIsRefused() {
        assertThat(run(Sysno.FCNTL, 3, 8, SELF)).as("F_SETOWN seccheck").isEqualTo(EPERM);
        assertThat(run(Sysno.FCNTL, 3, 8, 7000)).as("F_SETOWN a thread of seccheck").isEqualTo(EPERM);
        assertThat(run(Sysno.FCNTL, 3, 8, -PGID)).as("F_SETOWN seccheck's group").isEqualTo(EPERM);
        assertThat(run(Sysno.FCNTL, 3, 8, 1234)).as("F_SETOWN another task: SignalOwners decides")
                .isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(SignalOwners.held(Sysno.FCNTL, 8)).isTrue();
        assertThat(run(Sysno.FCNTL, 3, 8, 0)).as("F_SETOWN none").isEqualTo(ALLOW);
        assertThat(run(Sysno.FCNTL, 3, 8, -1234)).as("F_SETOWN another group").isEqualTo(ALLOW);
        assertThat(run(Sysno.FCNTL, 3, 4, SELF)).as("F_SETFL").isEqualTo(ALLOW);
        assertThat(run(Sysno.FCNTL, 3, 15, 0x7fff_0000L)).as("F_SETOWN_EX").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.IOCTL, 3, 0x8901, 0x7fff_0000L)).as("FIOSETOWN").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.IOCTL, 3, 0x8902, 0x7fff_0000L)).as("SIOCSPGRP").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(Guard.why(Sysno.FCNTL, 8)).contains("signals");
        assertThat(Guard.why(Sysno.IOCTL, 0x8901)).as("FIOSETOWN").contains("signals");
    }

    /**
     * Turning O_ASYNC on (F_SETFL with it, FIOASYNC) is held for AsyncTerminals: on seccheck's
     * terminal the kernel would make seccheck's group the owner. Other F_SETFLs (O_NONBLOCK
     * toggles, frequent) stay in the filter.
     */
    @Test
    void turningOAsyncOnIsHeld() {
        int oAsync = 020000;
        int oNonblock = 04000;
        assertThat(run(Sysno.FCNTL, 0, 4, oAsync | oNonblock | 2)).as("F_SETFL O_ASYNC").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.FCNTL, 0, 4, 0xffff_ffff_0000_0000L | oAsync)).as("the flags are an int")
                .isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(Sysno.FCNTL, 0, 4, oNonblock | 2)).as("F_SETFL O_NONBLOCK").isEqualTo(ALLOW);
        assertThat(run(Sysno.FCNTL, 0, 4, 0)).as("F_SETFL 0").isEqualTo(ALLOW);
        assertThat(run(Sysno.FCNTL, 0, 3, oAsync)).as("F_GETFL").isEqualTo(ALLOW);
        assertThat(run(Sysno.IOCTL, 0, 0x5452, 0x7fff_0000L)).as("FIOASYNC").isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(AsyncTerminals.held(Sysno.FCNTL, 4, oAsync)).isTrue();
        assertThat(AsyncTerminals.held(Sysno.FCNTL, 4, oNonblock)).isFalse();
        assertThat(AsyncTerminals.held(Sysno.IOCTL, 0x5452, 0)).isTrue();
        assertThat(Guard.why(Sysno.IOCTL, 0x5452)).as("FIOASYNC").contains("signals");
    }

    /** Typing into the terminal (TIOCSTI) and the console's selection ioctl (TIOCLINUX) are refused, other ioctls not. */
    @Test
    void pushingInputIntoTheTerminalIsRefused() {
        assertThat(run(Sysno.IOCTL, 0, 0x5412, 0x7fff_0000L)).as("TIOCSTI").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 0, 0xffff_ffff_0000_5412L, 0)).as("the command is an int").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 0, 0x541C, 0x7fff_0000L)).as("TIOCLINUX").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 0, 0x5413, 0x7fff_0000L)).as("TIOCGWINSZ").isEqualTo(ALLOW);
        assertThat(run(Sysno.IOCTL, 0, 0x540F, 0x7fff_0000L)).as("TIOCGPGRP").isEqualTo(ALLOW);
        assertThat(Guard.why(Sysno.IOCTL, 0x5412)).contains("terminal");
    }

    /**
     * Setting a terminal's line discipline (TIOCSETD: N_NULL fails every later write) and hanging
     * it up (TIOCVHANGUP, vhangup: EIO) are refused: seccheck's lines go to the terminal the program
     * shares. Reading the line discipline is not.
     */
    @Test
    void aLineDisciplineOrAHangupOfTheTerminalIsRefused() {
        assertThat(run(Sysno.IOCTL, 2, 0x5423, 0x7fff_0000L)).as("TIOCSETD").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 2, 0xffff_ffff_0000_5423L, 0)).as("the command is an int").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 2, 0x5437, 0)).as("TIOCVHANGUP").isEqualTo(EPERM);
        assertThat(run(Sysno.VHANGUP)).as("vhangup").isEqualTo(EPERM);
        assertThat(run(Sysno.IOCTL, 2, 0x5424, 0x7fff_0000L)).as("TIOCGETD").isEqualTo(ALLOW);
        assertThat(Guard.why(Sysno.IOCTL, 0x5423)).contains("line discipline");
        assertThat(Guard.why(Sysno.VHANGUP, 0)).contains("hangup");
    }

    /**
     * shutdown is held for OutputSockets only while seccheck's stdout or stderr is a socket, whatever
     * its arguments (the fd's number says nothing: a dup of the socket is the same socket); else it
     * is not held at all.
     */
    @Test
    void shutdownIsHeldOnlyWhileSeccheckWritesToASocket() {
        assertThat(run(Sysno.SHUTDOWN, 2, 1)).as("no output socket").isEqualTo(ALLOW);
        Guard onSocket = new Guard(SELF, PGID, Set.of(5001), false, OwnFiles.NONE, OutputSockets.of(8, 1234));
        for (Program p : new Program[] {SeccompFilter.compile(new FilterAction[0], onSocket.fragment()),
                SeccompFilter.compile(new FilterAction[0], onSocket.fragment(true))}) {
            assertThat(run(p, Sysno.SHUTDOWN, 2, 1)).isEqualTo(Seccomp.RET_USER_NOTIF);
            assertThat(run(p, Sysno.SHUTDOWN, 7, 0)).isEqualTo(Seccomp.RET_USER_NOTIF);
            assertThat(run(p, Sysno.READ, 2, 1)).isEqualTo(ALLOW);
        }
        assertThat(onSocket.refusal(Sysno.SHUTDOWN, 2, 1, 0)).isEmpty();
        assertThat(onSocket.output().held(Sysno.SHUTDOWN)).isTrue();
        assertThat(guard.output().held(Sysno.SHUTDOWN)).isFalse();
    }

    @Test
    void everyOtherSyscallFallsThrough() {
        Set<Integer> guarded = Set.of(Sysno.KILL, Sysno.RT_SIGQUEUEINFO, Sysno.TKILL, Sysno.TGKILL, Sysno.RT_TGSIGQUEUEINFO,
                Sysno.PIDFD_OPEN, Sysno.PROCESS_VM_READV, Sysno.PROCESS_VM_WRITEV, Sysno.PTRACE, Sysno.CLONE, Sysno.PRCTL, Sysno.PERSONALITY, Sysno.SETPGID,
                Sysno.PIDFD_GETFD, Sysno.CLONE3, Sysno.PIDFD_SEND_SIGNAL, Sysno.IO_URING_SETUP, Sysno.IO_URING_ENTER,
                Sysno.IO_URING_REGISTER, Sysno.USERFAULTFD, Sysno.IOCTL, Sysno.PERF_EVENT_OPEN, Sysno.PRLIMIT64, Sysno.FCNTL,
                Sysno.UNSHARE, Sysno.SETNS, Sysno.LANDLOCK_RESTRICT_SELF, Sysno.SETPRIORITY, Sysno.IOPRIO_SET,
                Sysno.SCHED_SETAFFINITY, Sysno.SCHED_SETSCHEDULER, Sysno.SCHED_SETPARAM, Sysno.SCHED_SETATTR, Guard.FCHMODAT2,
                Guard.SETXATTRAT, Guard.REMOVEXATTRAT, Guard.FILE_SETATTR, Sysno.KCMP, Sysno.PROCESS_MADVISE,
                Sysno.PROCESS_MRELEASE, Sysno.GET_ROBUST_LIST, Sysno.MOVE_PAGES, Sysno.MIGRATE_PAGES, Sysno.VHANGUP);
        for (int nr = 0; nr <= Guard.NEWEST; nr++) {
            if (!guarded.contains(nr)) {
                // Arguments that would be refused were the syscall one of the guarded ones.
                assertThat(BpfInterpreter.run(guard.fragment(), new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0,
                        SELF, SELF, 0))).as("syscall %d", nr).isEmpty();
            }
        }
    }

    /** Arguments around every value the guard compares with, for every syscall number. */
    private static final long[] ARGS = {0, 1, -1, SELF, -SELF, PGID, -PGID, 5001, 7000, 1234, 4, 0x8000_0000L,
        0x8000_0000L | 1, 1L << 32, 0xffff_ffff_0000_0000L | SELF, 0xAA00, 0xAA01, 0x5412, 0x541C, 0x5423, 0x5437, 8, 15,
        -PGID, 0x8901,
        0x0400000, 0x0400008, 0xffff_ffffL, 0xffff_ffff_ffff_ffffL, 0x1_0040_0000L};

    @Test
    void theSupervisorsDecisionForAHeldCallIsTheFiltersOnEverySyscall() {
        for (Guard g : new Guard[] {guard, new Guard(SELF, PGID, Set.of(5001, 5002, 7000), true),
                new Guard(SELF, PGID, Set.of(5001, 5002, 7000), false, OwnFiles.NONE, OutputSockets.of(8, 1234))}) {
            Program decided = SeccompFilter.compile(new FilterAction[0], g.fragment());
            Program visible = SeccompFilter.compile(new FilterAction[0], g.fragment(true));
            for (int nr = 0; nr <= SeccompFilter.MAX_SYSNO; nr++) {
                for (long a0 : ARGS) {
                    for (long a1 : ARGS) {
                        agree(g, decided, visible, nr, a0, a1, 0);
                        agree(g, decided, visible, nr, a0, a1, 1);
                    }
                }
            }
        }
    }

    /** Asserts that {@code g.refusal} decides one call as the filter does, and what the visible filter holds. */
    private void agree(Guard g, Program decided, Program visible, int nr, long a0, long a1, long a2) {
        int filter = run(decided, nr, a0, a1, a2);
        java.util.OptionalInt mirror = g.refusal(nr, a0, a1, a2);
        String what = "syscall " + nr + "(" + a0 + ", " + a1 + ", " + a2 + ") allowPtrace=" + g.allowPtrace();
        if (filter == Seccomp.RET_USER_NOTIF) {
            assertThat(mirror).as(what).isEmpty(); // GroupSignals, SignalTargets... decide
        } else if (filter == ALLOW) {
            assertThat(mirror).as(what).isEmpty();
        } else {
            assertThat(mirror).as(what).hasValue(filter & 0xffff);
        }
        // Visible: every EPERM is held for the supervisor instead; ENOSYS stays in the filter.
        int held = run(visible, nr, a0, a1, a2);
        boolean holds = filter == EPERM;
        assertThat(held).as(what).isEqualTo(holds ? Seccomp.RET_USER_NOTIF : filter);
    }

    @Test
    void manyThreadsStayWithinJumpReach() {
        Set<Integer> tids = new HashSet<>();
        IntStream.range(0, 1000).forEach(i -> tids.add(10_000 + 3 * i));
        Program big = SeccompFilter.compile(new FilterAction[0], new Guard(SELF, PGID, tids, false).fragment());
        assertThat(run(big, Sysno.KILL, 10_000 + 3 * 999, 9)).isEqualTo(EPERM);
        assertThat(run(big, Sysno.TKILL, 10_000 + 3 * 500, 9)).isEqualTo(EPERM);
        assertThat(run(big, Sysno.TKILL, 10_001, 9)).isEqualTo(Seccomp.RET_USER_NOTIF);
        assertThat(run(big, Sysno.TGKILL, 10_001, 10_001, 9)).isEqualTo(ALLOW);
    }

    @Test
    void thisProcessGuardKnowsItsOwnThreads() {
        Guard g = Guard.forThisProcess(false);
        assertThat(g.supervisorPid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(g.supervisorTids()).contains(g.supervisorPid()).hasSizeGreaterThan(1);
    }
}
