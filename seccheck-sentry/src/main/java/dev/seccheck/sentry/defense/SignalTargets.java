package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * SignalTargets decides the signals the program sends to one process or thread by its number
 * ({@code kill}, {@code rt_sigqueueinfo} and {@code tkill} with a pid above 0), and the pidfds it
 * asks for ({@code pidfd_open}, whose fd names its target for good), which {@link Guard} holds
 * for the supervisor. The filter refuses those naming seccheck's threads
 * itself, but it can only list the threads seccheck has when the program starts; the JVM starts
 * more later (its compilers', the emulation's pool), and a program that looks them up
 * ({@code /proc/PID/task}, or each number's {@code status}) could otherwise kill or stop seccheck
 * through any of them: the run would end, and with it every record not yet written out.
 *
 * <p>A target that is a thread of seccheck now is refused with EPERM. A target that names no
 * task is answered here with the kernel's own ESRCH, so that no thread of seccheck can take that
 * number between this look and the kernel's. Any other goes on. The kernel looks the number up
 * again then: for a thread of seccheck to be named after this look, the target would have to end
 * and its number come round again to seccheck's next thread in those microseconds, which pids,
 * given out in turn up to {@code pid_max}, do not do. A caller in a pid namespace of its own
 * names tasks by that namespace's numbers, where seccheck has none: its signals go on unlooked.
 * The same look-up ({@link #ofTask}) decides a file's owner ({@link SignalOwners}) and the task a
 * scheduling call names ({@link SchedulingCalls}).
 */
public final class SignalTargets {
    /**
     * rt_sigqueueinfo's siginfo, 128 bytes with {@code si_code} at offset 8, of which the kernel
     * copies its own 48 first, and the rest only for a layout it does not know.
     */
    private static final int SIGINFO_SIZE = 128;
    private static final int KERNEL_SIGINFO_SIZE = 48;
    private static final int SI_CODE_OFFSET = 8;
    /** {@code si_code} of a tkill, which no process may pose as for another. */
    private static final int SI_TKILL = -6;
    /** The {@code si_code}s whose layout the kernel knows whatever the signal: the kernel's, and these user ones. */
    private static final int SI_KERNEL = 0x80;
    private static final int SI_DETHREAD = -7;
    private static final int SI_ASYNCNL = -60;

    private final int supervisorPid;
    /** seccheck's pid namespace as its {@code ns/pid} link names it; null where there is none to name. */
    private final String pidNamespace;

    /** The targets for seccheck's process {@code supervisorPid}, in the pid namespace it sees itself in. */
    public SignalTargets(int supervisorPid) {
        this.supervisorPid = supervisorPid;
        this.pidNamespace = Procfs.link(ProcessHandle.current().pid(), "ns/pid").orElse(null);
    }

    /** Returns whether a held syscall is one the guard holds for this check: a signal or a pidfd to a pid above 0. */
    public static boolean held(int nr, long pidArg) {
        return (nr == Sysno.KILL || nr == Sysno.RT_SIGQUEUEINFO || nr == Sysno.TKILL || nr == Sysno.PIDFD_OPEN)
                && (int) pidArg > 0;
    }

    /** pidfd_open's flags: PIDFD_NONBLOCK (O_NONBLOCK) and PIDFD_THREAD (O_EXCL); any other makes it EINVAL. */
    private static final long PIDFD_FLAGS = 04000 | 0200;

    /**
     * A held signal's answer, when it does not go on: {@code errno}, and whether that is a refusal
     * because it is aimed at seccheck (otherwise the kernel's own answer, given here).
     */
    public record Refusal(int errno, boolean aimedAtSupervisor) {}

    /**
     * Returns how the signal {@code sig} of task {@code callerTid} to {@code pid} is refused: with
     * EPERM, aimed at seccheck, when {@code pid} is a thread of seccheck; for no task, with the
     * kernel's own answer (ESRCH; for rt_sigqueueinfo EFAULT, E2BIG or EPERM first, as the kernel
     * checks the {@code siginfo} at {@code info} before looking for the target; for pidfd_open,
     * whose flags are {@code sig}, EINVAL for flags it does not know). Empty to let the kernel
     * answer.
     */
    public Optional<Refusal> refusal(int callerTid, int nr, int pid, int sig, long info, TaskMemory memory) {
        Optional<Refusal> refused = ofTask(callerTid, pid);
        if (nr == Sysno.RT_SIGQUEUEINFO && refused.isPresent() && !refused.get().aimedAtSupervisor()) {
            return Optional.of(new Refusal(queuedInfoErrno(sig, info, memory), false));
        }
        if (nr == Sysno.PIDFD_OPEN && refused.isPresent() && !refused.get().aimedAtSupervisor()
                && (Integer.toUnsignedLong(sig) & ~PIDFD_FLAGS) != 0) {
            return Optional.of(new Refusal(Errno.EINVAL, false)); // the kernel checks the flags first
        }
        return refused;
    }

    /**
     * Returns how task {@code callerTid} naming the task {@code id} (above 0) as a signal's target
     * or a file's owner is refused: EPERM, aimed at seccheck, for a thread of seccheck; the
     * kernel's ESRCH for no task. Empty when {@code id} names another task, or the caller itself.
     */
    public Optional<Refusal> ofTask(int callerTid, int id) {
        if (id == callerTid) {
            return Optional.empty();
        }
        // By seccheck's numbers; they are the caller's unless it is in a pid namespace of its own,
        // looked at only when it matters (a task of the run goes on either way).
        if (Syscalls.isThreadOf(supervisorPid, id)) {
            return inSupervisorsNamespace(callerTid) ? Optional.of(new Refusal(Errno.EPERM, true)) : Optional.empty();
        }
        if (Syscalls.threadExists(id) || !inSupervisorsNamespace(callerTid)) {
            return Optional.empty();
        }
        return Optional.of(new Refusal(Errno.ESRCH, false));
    }

    /** Whether task {@code tid} is in seccheck's pid namespace; one whose link cannot be read (it just ended) is taken as in it. */
    boolean inSupervisorsNamespace(int tid) {
        String ns = Procfs.link(tid, "ns/pid").orElse(null);
        return ns == null || ns.equals(pidNamespace);
    }

    /**
     * rt_sigqueueinfo's answer for no target: EFAULT where its copy of the siginfo faults, E2BIG
     * for a layout the kernel does not know whose last 80 bytes are not zero, EPERM for a siginfo
     * posing as the kernel's or kill's, else ESRCH.
     */
    private static int queuedInfoErrno(int sig, long info, TaskMemory memory) {
        int code;
        try {
            code = ByteBuffer.wrap(memory.read(info, KERNEL_SIGINFO_SIZE)).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt(SI_CODE_OFFSET);
            if (!knownLayout(sig, code)) {
                for (byte b : memory.read(info + KERNEL_SIGINFO_SIZE, SIGINFO_SIZE - KERNEL_SIGINFO_SIZE)) {
                    if (b != 0) {
                        return Errno.E2BIG;
                    }
                }
            }
        } catch (MemoryFault e) {
            return Errno.EFAULT;
        }
        return code >= 0 || code == SI_TKILL ? Errno.EPERM : Errno.ESRCH;
    }

    /**
     * Whether the kernel knows the layout of a siginfo with {@code code} sent as signal {@code sig}
     * (its known_siginfo_layout): the kernel's code, the user codes from SI_DETHREAD up and
     * SI_ASYNCNL, and a signal's own codes up to the last it defines (Linux 6.18's: a SIGSEGV's up
     * to 10, SEGV_CPERR).
     */
    static boolean knownLayout(int sig, int code) {
        if (code == SI_KERNEL) {
            return true;
        }
        if (code > 0) {
            int last = switch (sig) {
                case 4 -> 11; // SIGILL: ILL_BADIADDR
                case 8 -> 15; // SIGFPE: FPE_CONDTRAP
                case 11 -> 10; // SIGSEGV: SEGV_CPERR
                case 7 -> 5; // SIGBUS: BUS_MCEERR_AO
                case 31 -> 2; // SIGSYS: SYS_USER_DISPATCH
                default -> 6; // SIGTRAP, SIGCHLD, SIGPOLL and any other: 6
            };
            return code <= last;
        }
        return code >= SI_DETHREAD || code == SI_ASYNCNL;
    }
}
