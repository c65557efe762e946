package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * OutsideProcesses keeps the supervised program's hands off processes that are not of its run.
 * The program runs as the user who started seccheck, so the kernel lets it read and write the
 * memory of that user's other processes ({@code process_vm_readv/writev}, {@code /proc/PID/mem}),
 * sample their registers and stacks ({@code perf_event_open}), change their resource limits
 * ({@code prlimit64}) and, with {@code allow_ptrace}, attach to them: the shell that started
 * seccheck, an editor, a daemon. Code written into one of them runs out of supervision.
 * {@link Guard} holds those calls for the supervisor, which lets through only those aimed at a
 * process of the run (or at the caller itself); the emulation of opens applies the same rule to
 * {@code /proc/PID/} below what anyone may read.
 *
 * <p>A process is of the run when seccheck ptraces it: every task of the run is traced by
 * seccheck's tracer from its birth (a child the tracer has not met yet included) to its exit, and
 * a task cannot have two tracers, so nothing else can trace it; no process outside the run is
 * traced by seccheck. The look-up is made at the call and the kernel looks the pid up again after
 * it: a target of the run that exits and whose pid an outside process takes in between could be
 * reached, which needs that process to be created in those microseconds with that very pid.
 * A program in a pid namespace of its own numbers its processes otherwise than seccheck does:
 * its calls aimed at them are looked up by the wrong number and refused (no process outside the
 * run can be named from there, so nothing is let through that way).
 */
public final class OutsideProcesses {
    private OutsideProcesses() {}

    /** PTRACE_ATTACH and PTRACE_SEIZE: the requests that make a process a tracee. */
    static final int PTRACE_ATTACH = 16;
    static final int PTRACE_SEIZE = 0x4206;

    /**
     * Returns whether a held syscall is one the guard holds for this check: process_vm_readv or
     * process_vm_writev; perf_event_open or prlimit64 aimed at another process (a pid above 0);
     * (held only with {@code allow_ptrace}) a ptrace attach or seize.
     */
    public static boolean held(int nr, long arg0, long arg1) {
        return switch (nr) {
            case Sysno.PROCESS_VM_READV, Sysno.PROCESS_VM_WRITEV -> true;
            case Sysno.PTRACE -> (int) arg0 == PTRACE_ATTACH || (int) arg0 == PTRACE_SEIZE;
            case Sysno.PERF_EVENT_OPEN, Sysno.PRLIMIT64 -> target(nr, arg0, arg1) > 0;
            default -> false;
        };
    }

    /** The pid a held call aims at: ptrace's and perf_event_open's second argument, the others' first. */
    public static int target(int nr, long arg0, long arg1) {
        return (int) (nr == Sysno.PTRACE || nr == Sysno.PERF_EVENT_OPEN ? arg1 : arg0);
    }

    /**
     * Returns the errno a call aimed at {@code pid} is refused with, or empty to let the kernel
     * answer: EPERM for a process outside the run, ESRCH for none (the kernel's answer, given here
     * so that no process can appear in between); a pid of 0 or below is the kernel's to refuse.
     */
    public static OptionalInt refusal(int pid) {
        if (pid <= 0) {
            return OptionalInt.empty();
        }
        Optional<Procfs.Status> status = Procfs.status(pid);
        if (status.isEmpty()) {
            return OptionalInt.of(Errno.ESRCH);
        }
        return ofTheRun(status.get()) ? OptionalInt.empty() : OptionalInt.of(Errno.EPERM);
    }

    /**
     * Whether {@code pid} names a process outside the run (or a thread of one). False for a pid
     * of no process, so that a caller can fail as natively; seccheck's own threads count as
     * outside (they are not traced).
     */
    public static boolean outsideTheRun(int pid) {
        return Procfs.status(pid).map(st -> !ofTheRun(st)).orElse(false);
    }

    private static boolean ofTheRun(Procfs.Status status) {
        int tracer = status.tracerPid();
        return tracer > 0 && Files.exists(Path.of("/proc/self/task", Integer.toString(tracer)));
    }
}
