package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.syscalls.UserRanges;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * OutsideProcesses keeps the supervised program's hands off processes that are not of its run.
 * The program runs as the user who started seccheck, so the kernel lets it read and write the
 * memory of that user's other processes ({@code process_vm_readv/writev}, {@code /proc/PID/mem}),
 * sample their registers and stacks ({@code perf_event_open}), change their resource limits
 * ({@code prlimit64}), list their open descriptors ({@code kcmp}), map out their memory
 * ({@code move_pages}, {@code get_robust_list}), page it out ({@code process_madvise}) and, with
 * {@code allow_ptrace}, attach to them: the shell that started
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
 * A caller in a pid namespace below seccheck's (its own, or a container's it joined) numbers
 * processes otherwise than seccheck does: its number is translated through that namespace
 * before the look-up, so that a process of the run keeps its calls and one outside the run (a
 * container's, of the same user) is refused whatever number it has there.
 */
public final class OutsideProcesses {
    private OutsideProcesses() {}

    /** PTRACE_ATTACH and PTRACE_SEIZE: the requests that make a process a tracee. */
    static final int PTRACE_ATTACH = 16;
    static final int PTRACE_SEIZE = 0x4206;

    /**
     * Returns whether a held syscall is one the guard holds for this check: process_vm_readv or
     * process_vm_writev; kcmp, which compares two processes' files and memory (it lists another's
     * open descriptors by their numbers); process_madvise and process_mrelease, whose target is a
     * pidfd (a pidfd of seccheck comes from the peer of a unix socket seccheck connected for the
     * program, SO_PEERPIDFD, or from a pidfs file handle; as root, paging seccheck out slowed
     * every call it holds); perf_event_open, prlimit64, get_robust_list, move_pages or
     * migrate_pages aimed at another process (a pid above 0: move_pages with no target node says
     * which of its pages are mapped, get_robust_list where its C library lies); (held only with
     * {@code allow_ptrace}) a ptrace attach or seize.
     */
    public static boolean held(int nr, long arg0, long arg1) {
        return switch (nr) {
            case Sysno.PROCESS_VM_READV, Sysno.PROCESS_VM_WRITEV, Sysno.KCMP, Sysno.PROCESS_MADVISE,
                    Sysno.PROCESS_MRELEASE -> true;
            case Sysno.PTRACE -> (int) arg0 == PTRACE_ATTACH || (int) arg0 == PTRACE_SEIZE;
            case Sysno.PERF_EVENT_OPEN, Sysno.PRLIMIT64, Sysno.GET_ROBUST_LIST, Sysno.MOVE_PAGES,
                    Sysno.MIGRATE_PAGES -> target(nr, arg0, arg1) > 0;
            default -> false;
        };
    }

    /** The pid a held call aims at: ptrace's and perf_event_open's second argument, the others' first. */
    public static int target(int nr, long arg0, long arg1) {
        return (int) (nr == Sysno.PTRACE || nr == Sysno.PERF_EVENT_OPEN ? arg1 : arg0);
    }

    /**
     * Returns how the held call {@code n} of a task whose memory is {@code memory} is answered
     * here, or empty to let the kernel answer. Aimed at a process outside the run or at none, it is
     * answered as the kernel would answer before it looks for the process, when it does not get
     * that far ({@link #beforeTheLookUp}); else with EPERM for a process outside the run, and for
     * none with the kernel's ESRCH, given here so that no process can take the number in between.
     * kcmp names two processes: either outside the run refuses it (ESRCH first, as the kernel
     * looks both up before it checks either). A pid of 0 or below names no process in any run (or
     * the caller itself): the kernel's to answer.
     */
    public static OptionalInt refusal(SeccompNotification n, TaskMemory memory) {
        return refusal(n, memory, Shielded.NONE);
    }

    /**
     * As {@link #refusal(SeccompNotification, TaskMemory)}, with the tasks {@code operators} names
     * outside the caller's reach: a {@code seccheck exec} command's (the operator's, its memory
     * included), and a process whose exec is not decided yet (its new program, mapped before the
     * decision).
     */
    public static OptionalInt refusal(SeccompNotification n, TaskMemory memory, Shielded operators) {
        if (readsLimits(n)) {
            return OptionalInt.empty();
        }
        if (n.nr() == Sysno.PROCESS_MADVISE || n.nr() == Sysno.PROCESS_MRELEASE) {
            return pidfdRefusal(n, memory, operators);
        }
        int[] pids = n.nr() == Sysno.KCMP ? new int[] {(int) n.arg0(), (int) n.arg1()}
                : new int[] {target(n.nr(), n.arg0(), n.arg1())};
        boolean missing = false;
        boolean outside = false;
        for (int pid : pids) {
            if (pid <= 0) {
                return OptionalInt.empty();
            }
            long ours = inSeccheckNumbers(n.tid(), pid);
            Optional<Procfs.Status> status = ours > 0 ? Procfs.status(ours) : Optional.empty();
            missing |= ours >= 0 && status.isEmpty();
            outside |= !(status.isPresent() && reachable((int) ours, status.get(), n.tid(), operators));
        }
        if (!outside) {
            return OptionalInt.empty();
        }
        int early = beforeTheLookUp(n, memory);
        return OptionalInt.of(early != LOOKS_UP ? early : missing ? Errno.ESRCH : Errno.EPERM);
    }

    /**
     * Whether held call {@code n} is a process_vm_writev into another process than the caller's
     * (by seccheck's numbers: a caller in a pid namespace of its own is translated). While a sink
     * decides at sentry/execve, such a write is refused even within the run: it could change the
     * argv or environment a process's exec was decided on, which its program reads later. A
     * target that cannot be told counts as another; no process at all is the kernel's ESRCH.
     */
    public static boolean writesAnotherProcess(SeccompNotification n) {
        if (n.nr() != Sysno.PROCESS_VM_WRITEV || (int) n.arg0() <= 0) {
            return false;
        }
        long ours = inSeccheckNumbers(n.tid(), (int) n.arg0());
        if (ours == 0) {
            return false;
        }
        Optional<Procfs.Status> target = ours > 0 ? Procfs.status(ours) : Optional.empty();
        Optional<Procfs.Status> caller = Procfs.status(n.tid());
        return target.isEmpty() || caller.isEmpty() || target.get().tgid() != caller.get().tgid();
    }

    /**
     * Whether {@code n} is a prlimit64 that sets no limit (its new limit NULL), which only reads
     * another process's limits, as /proc/PID/limits shows them to anyone: the kernel answers it,
     * with its own check (the caller's ids against the target's, or CAP_SYS_RESOURCE over the
     * target's user namespace), as natively. The pointer is in a register of the held task, which
     * nothing but its tracer changes, so the call the kernel goes on with sets nothing either.
     */
    private static boolean readsLimits(SeccompNotification n) {
        return n.nr() == Sysno.PRLIMIT64 && n.arg2() == 0;
    }

    /**
     * Whether task {@code tid} may reach the task {@code target} (seccheck's number) whose status is
     * {@code status}: one of the run, unless it is out of the caller's reach ({@code operators}: the
     * operator's tasks, or a process between its exec and its decision).
     */
    private static boolean reachable(int target, Procfs.Status status, int tid, Shielded operators) {
        return ofTheRun(status) && !operators.from(target, tid);
    }

    /**
     * process_madvise and process_mrelease name their target by a pidfd: the process it names is
     * read from the caller's fdinfo, by seccheck's numbers. A descriptor that is no pidfd is
     * answered EBADF here, as the kernel would, so that no pidfd of seccheck can be put under that
     * number before the kernel looks; one of a process that is gone, ESRCH. A pidfd of the run's
     * can still be swapped for another between this look and the kernel's, by a thread sharing the
     * caller's descriptors (the README's race on descriptors outside the calls seccheck performs).
     */
    private static OptionalInt pidfdRefusal(SeccompNotification n, TaskMemory memory,
            Shielded operators) {
        int early = beforeTheLookUp(n, memory);
        if (early != LOOKS_UP) {
            return OptionalInt.of(early);
        }
        OptionalLong pid = Procfs.pidfdTarget(n.tid(), (int) n.arg0());
        if (pid.isEmpty()) {
            return OptionalInt.of(Errno.EBADF);
        }
        Optional<Procfs.Status> status = pid.getAsLong() > 0 ? Procfs.status(pid.getAsLong()) : Optional.empty();
        if (status.isEmpty()) {
            return OptionalInt.of(Errno.ESRCH);
        }
        return reachable((int) pid.getAsLong(), status.get(), n.tid(), operators) ? OptionalInt.empty()
                : OptionalInt.of(Errno.EPERM);
    }

    /** seccheck's pid namespace, as its {@code ns/pid} link names it; null where that cannot be read. */
    private static final String OWN_PID_NAMESPACE = Procfs.link(ProcessHandle.current().pid(), "ns/pid").orElse(null);

    /**
     * The task that {@code pid} names for task {@code tid}, by seccheck's numbers: the same number
     * where the caller is in seccheck's pid namespace; from a pid namespace below it (the
     * program's own, or a container's it joined), translated through that namespace
     * (NS_GET_PID_FROM_PIDNS, Linux 6.11), where the number means another task than in
     * seccheck's. 0 for no task; -1 where that cannot be told (refused).
     */
    static long inSeccheckNumbers(int tid, int pid) {
        Optional<String> ns = Procfs.link(tid, "ns/pid");
        if (ns.isEmpty() || ns.get().equals(OWN_PID_NAMESPACE)) {
            return pid; // seccheck's numbers (a caller that just ended is answered by them too)
        }
        int fd = new PathCalls().openat(Fcntl.AT_FDCWD, "/proc/" + tid + "/ns/pid", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        long ours = fd < 0 ? fd : NamespaceFiles.pidFromNamespace(fd, pid);
        PathCalls.close(fd);
        return ours > 0 ? ours : ours == -Errno.ESRCH ? 0 : -1;
    }

    /** {@link #beforeTheLookUp}: the kernel goes on to look for the process. */
    static final int LOOKS_UP = -1;
    /** move_pages's flags: move the pages only the target maps, or all of them. */
    private static final int MPOL_MF_MOVE = 2;
    private static final int MPOL_MF_MOVE_ALL = 4;
    /** The most iovecs one call takes (UIO_MAXIOV). */
    private static final long MAX_IOVECS = 1024;

    /**
     * What the kernel answers for held call {@code n} before it looks for the process named:
     * process_vm_readv and process_vm_writev check their flags (EINVAL), import the caller's iovecs
     * and then the other process's (below), and return 0 when either set holds no byte; prlimit64
     * copies the new limit first (EFAULT); process_madvise checks its flags and imports the
     * caller's iovecs, process_mrelease and move_pages check their flags (EINVAL). An errno, 0 for
     * a call that returns 0, or {@link #LOOKS_UP}. The ptrace requests held look first, as do kcmp,
     * get_robust_list and migrate_pages here (migrate_pages copies its node masks first: a refused
     * one with an unreadable mask is EPERM here, EFAULT natively); so, here, does perf_event_open,
     * whose many checks of its attributes before that are not made here (a perf_event_open of no
     * process is answered ESRCH whatever its attributes).
     */
    static int beforeTheLookUp(SeccompNotification n, TaskMemory memory) {
        return switch (n.nr()) {
            case Sysno.PROCESS_VM_READV, Sysno.PROCESS_VM_WRITEV -> {
                if (n.arg5() != 0) {
                    yield Errno.EINVAL;
                }
                int local = iovecs(memory, n.arg1(), n.arg2(), true);
                if (local != LOOKS_UP) {
                    yield local;
                }
                yield iovecs(memory, n.arg3(), n.arg4(), false);
            }
            case Sysno.PRLIMIT64 -> n.arg2() != 0 && !readable(memory, n.arg2(), 16) ? Errno.EFAULT : LOOKS_UP;
            case Sysno.PROCESS_MADVISE -> {
                if ((int) n.arg4() != 0) {
                    yield Errno.EINVAL;
                }
                int local = iovecs(memory, n.arg1(), n.arg2(), true);
                yield local == 0 ? LOOKS_UP : local;
            }
            case Sysno.PROCESS_MRELEASE -> n.arg1() != 0 ? Errno.EINVAL : LOOKS_UP;
            case Sysno.MOVE_PAGES -> ((int) n.arg5() & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0 ? Errno.EINVAL : LOOKS_UP;
            default -> LOOKS_UP;
        };
    }

    /**
     * Imports {@code count} iovecs at {@code addr} as the kernel does for process_vm_readv and
     * process_vm_writev: more than UIO_MAXIOV is EINVAL, an array outside the caller's half of
     * memory EFAULT; then entry by entry, the length before the base, an unreadable one EFAULT, a
     * negative length EINVAL; for the caller's own ranges ({@code local}), then access_ok on each
     * (EFAULT), a lone range's length cut to MAX_RW_COUNT first. Returns 0 (the call's answer)
     * when the ranges hold no byte, else {@link #LOOKS_UP}, or the errno.
     */
    private static int iovecs(TaskMemory memory, long addr, long count, boolean local) {
        if (count == 0) {
            return 0;
        }
        if (Long.compareUnsigned(count, MAX_IOVECS) > 0) {
            return Errno.EINVAL;
        }
        if (!UserRanges.inUserRange(addr, count * 16)) {
            return Errno.EFAULT;
        }
        long[] bases = new long[(int) count];
        long[] lens = new long[(int) count];
        for (int i = 0; i < count; i++) {
            try {
                lens[i] = word(memory, addr + 16L * i + 8);
                bases[i] = word(memory, addr + 16L * i);
            } catch (MemoryFault e) {
                return Errno.EFAULT;
            }
            if (lens[i] < 0) {
                return Errno.EINVAL;
            }
        }
        boolean any = false;
        for (int i = 0; i < count; i++) {
            long len = count == 1 ? UserRanges.rwCount(lens[i]) : lens[i];
            if (local && !UserRanges.inUserRange(bases[i], len)) {
                return Errno.EFAULT;
            }
            any |= len > 0;
        }
        return any ? LOOKS_UP : 0;
    }

    private static long word(TaskMemory memory, long addr) throws MemoryFault {
        return ByteBuffer.wrap(memory.read(addr, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static boolean readable(TaskMemory memory, long addr, int len) {
        try {
            memory.read(addr, len);
            return true;
        } catch (MemoryFault e) {
            return false;
        }
    }

    /**
     * Whether {@code pid} names a process outside the run (or a thread of one). False for a pid
     * of no process, so that a caller can fail as natively; seccheck's own threads count as
     * outside (they are not traced). A process whose status cannot be read for another reason
     * (seccheck's own descriptor table full) counts as outside: before, it counted as none, and
     * a program that kept seccheck's table full opened an outside process's
     * {@code /proc/PID/environ} when a slot came free for the walk (red-team round 15).
     */
    public static boolean outsideTheRun(int pid) {
        try {
            return Procfs.statusUnlessGone(pid).map(st -> !ofTheRun(st)).orElse(false);
        } catch (java.io.IOException e) {
            return true;
        }
    }

    /** Whether {@code pid} names a process of the run (seccheck ptraces it); false for none. */
    public static boolean ofTheRun(int pid) {
        return Procfs.status(pid).map(OutsideProcesses::ofTheRun).orElse(false);
    }

    /**
     * Whether {@code pinned}, a pidfd opened for {@code pid} before this call, is of a process of
     * the run: the status read by the number says seccheck ptraces it, and the pidfd's process is
     * still alive after that read, so the number still named it (a live process keeps its number).
     */
    public static boolean ofTheRun(int pid, Pidfd pinned) {
        return ofTheRun(pid) && pinned.alive();
    }

    /**
     * A pidfd of process {@code pid} if it is of the run ({@link #ofTheRun(int, Pidfd)}), for a
     * signal that must reach it and never a process that took its number since; null when it is
     * gone or not of the run.
     */
    public static Pidfd pinOfTheRun(int pid) {
        Pidfd p = Pidfd.ofProcess(pid);
        if (p != null && !ofTheRun(pid, p)) {
            p.close();
            return null;
        }
        return p;
    }

    private static boolean ofTheRun(Procfs.Status status) {
        int tracer = status.tracerPid();
        return tracer > 0 && Files.exists(Path.of("/proc/self/task", Integer.toString(tracer)));
    }
}
