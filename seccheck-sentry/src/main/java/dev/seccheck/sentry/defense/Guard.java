package dev.seccheck.sentry.defense;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessAttributes;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Guard is the part of the workload's own seccomp filter that keeps the supervised program away
 * from its supervisor and inside supervision. It is installed with the spawner's filter, so every
 * supervised task has it from its first instruction and cannot remove it.
 *
 * <p>It refuses with EPERM:
 * <ul>
 * <li>signals and pidfds aimed at the supervisor ({@code kill}, {@code rt_sigqueueinfo},
 *     {@code tkill}, {@code tgkill}, {@code rt_tgsigqueueinfo}, {@code pidfd_open} naming its pid
 *     or one of its threads; a signal or a pidfd for another single task is held for
 *     {@link SignalTargets}, which knows the threads started since), {@code kill(-1)} and
 *     {@code rt_sigqueueinfo(-its process group)};
 * <li>{@code ptrace} of anything (with {@code allowPtrace}, an attach or seize is held instead,
 *     below); {@code pidfd_getfd} always (a pidfd's target cannot be seen from BPF);
 *     {@code clone} with {@code CLONE_UNTRACED}; {@code prctl(PR_SET_DUMPABLE, 0)} (a program
 *     that is not dumpable hides its memory and fds from the supervisor);
 * <li>a userfaultfd that handles the kernel's faults ({@code userfaultfd} or
 *     {@code /dev/userfaultfd}'s {@code USERFAULTFD_IOC_NEW} without {@code UFFD_USER_MODE_ONLY}):
 *     the supervisor's copies of the program's memory are kernel faults, which the program could
 *     leave unanswered for good, the copying thread unkillable. The kernel refuses such a
 *     userfaultfd to unprivileged users too; one of user-mode faults only makes those copies fail
 *     with EFAULT;
 * <li>{@code ioctl} TIOCSTI and TIOCLINUX: typing into the terminal, or pasting a console
 *     selection into it, which the shell that started seccheck would run once the run ends;
 * <li>{@code ioctl} TIOCSETD (any user may set a line discipline on a terminal it has open: the
 *     null one, N_NULL, fails every later write with EOPNOTSUPP), {@code ioctl} TIOCVHANGUP and
 *     {@code vhangup} (a hangup fails them with EIO): the terminal is seccheck's output, which the
 *     program shares, and seccheck's lines about what the program did next were dropped. Line
 *     disciplines are set by tools such as slattach, pppd or inputattach, and hangups by login and
 *     getty: none of them is run under seccheck;
 * <li>{@code fcntl(F_SETOWN)} naming the supervisor or its process group: the kernel would send
 *     the file's signals there;
 * <li>{@code personality} with {@code READ_IMPLIES_EXEC} (except the query, {@code 0xffffffff}):
 *     the kernel would then make every {@code PROT_READ} mapping executable, and a library would be
 *     loaded by mmaps without {@code PROT_EXEC}, which no mmap point holds. 64-bit programs have no
 *     use for it.
 * </ul>
 *
 * <p>It holds for the supervisor what a filter cannot decide: {@code kill(0)}, whether the
 * caller's own group is the supervisor's, and {@code kill(-its process group)}, which the
 * supervisor performs for the run's processes in that group only ({@link GroupSignals}); {@code kill},
 * {@code rt_sigqueueinfo} and {@code tkill} of any other single task, which may be a thread the
 * JVM started after the filter was built ({@link SignalTargets}); {@code process_vm_readv/writev},
 * {@code kcmp}, {@code process_madvise} and {@code process_mrelease} (a pidfd names their target),
 * {@code perf_event_open}, {@code prlimit64}, {@code get_robust_list}, {@code move_pages} and
 * {@code migrate_pages} aimed at another process, and with
 * {@code allowPtrace} a ptrace attach or seize, refused unless the target is of the run, which
 * the supervisor never is ({@link OutsideProcesses}); {@code F_SETOWN_EX}, {@code FIOSETOWN} and
 * {@code SIOCSPGRP}, whose owner is in memory, and {@code F_SETOWN} naming another single task
 * ({@link SignalOwners}); {@code fcntl(F_SETFL)} turning O_ASYNC on and {@code ioctl(FIOASYNC)},
 * for which the kernel would make seccheck's terminal's foreground group the owner
 * ({@link AsyncTerminals}); {@code unshare} and
 * {@code clone} with {@code CLONE_NEWUSER} and every {@code setns}, which may take a task out of
 * seccheck's user namespace, marked before they go on ({@link UserNamespaces}); {@code
 * landlock_restrict_self}, whose new domain is recorded before it goes on, so that the calls
 * seccheck makes for the caller keep to it ({@link dev.seccheck.sentry.emulate.LandlockDomains});
 * {@code setpriority}, {@code ioprio_set} and the {@code sched_set*} calls that can reach another
 * task, refused when they reach seccheck ({@link SchedulingCalls}); {@code setpgid} into its
 * process group, never performed, answered as the kernel would for a target already in it and
 * refused for any other ({@link GroupJoins}). While seccheck's own files
 * are within the program's reach ({@link OwnFiles}), it also holds every call that could write a
 * file by its name: the emulation performs them and refuses those that would write one of
 * seccheck's files. While seccheck's stdout or stderr is a socket ({@link OutputSockets}), it
 * holds {@code shutdown}: seccheck makes it on the file the program named, and refuses it for
 * its own output socket.
 *
 * <p>It refuses with ENOSYS, so that libraries fall back to what the filter can check:
 * {@code clone3} (its flags are in memory, out of BPF's sight; glibc falls back to clone),
 * {@code pidfd_send_signal} (a {@code /proc/PID} directory fd works as a pidfd, so the target
 * cannot be seen; callers fall back to kill), io_uring (its operations never pass the filter
 * at all), and {@code fchmodat2}, {@code setxattrat} and {@code removexattrat} (Linux 6.6 and
 * 6.13, numbered past the syscalls whose points the filter decides one by one, so a chmod or an
 * ACL set through them would pass a session that performs those calls; glibc falls back to
 * fchmodat, and to setxattr and removexattr).
 *
 * <p>Signal targets are compared on the low 32 bits of the argument because the kernel takes a
 * pid as a 32-bit {@code pid_t}. The supervisor's threads are those it has when the filter is
 * built; threads the JVM starts later are not in the list. They are out of reach of ptrace and
 * memory access because the supervisor is not dumpable, and a signal naming one alone is held for
 * {@link SignalTargets}; a file's owner named in memory is read before the kernel reads it again
 * ({@link SignalOwners}).
 *
 * @param supervisorPid the supervisor's process id
 * @param processGroup the supervisor's process group id
 * @param supervisorTids the supervisor's thread ids (its pid among them)
 * @param allowPtrace whether debuggers inside the run may ptrace the run's own tasks
 * @param files the supervisor's own files the program could write: the filter holds every call
 *     that could write a file by name for the supervisor, which refuses those reaching them
 * @param output the supervisor's stdout and stderr that are sockets: the filter holds every
 *     shutdown while there is one
 */
public record Guard(int supervisorPid, int processGroup, Set<Integer> supervisorTids, boolean allowPtrace,
        OwnFiles files, OutputSockets output) {

    /** Compares per chunk stay well within a conditional jump's reach of the chunk's deny. */
    private static final int CHUNK = 200;
    private static final int EPERM = Seccomp.RET_ERRNO | Errno.EPERM;
    private static final int ENOSYS = Seccomp.RET_ERRNO | Errno.ENOSYS;
    /** fchmodat2(2), Linux 6.6: past {@link Sysno}'s table. */
    static final int FCHMODAT2 = 452;
    /** setxattrat(2) and removexattrat(2), Linux 6.13: past {@link Sysno}'s table. */
    static final int SETXATTRAT = 463;
    static final int REMOVEXATTRAT = 466;
    /**
     * file_setattr(2), Linux 6.17: sets a file's attributes by name, without an open (on an overlay,
     * copying a lower file up into a layer the program reads). Callers fall back to the ioctl on an fd.
     */
    static final int FILE_SETATTR = 469;
    /** The newest syscall seccheck knows: a later one could reach what the checks decide by another way (ENOSYS). */
    static final int NEWEST = FILE_SETATTR;
    private static final int NOTIFY = Seccomp.RET_USER_NOTIF;
    private static final int PR_SET_DUMPABLE = ProcessAttributes.PR_SET_DUMPABLE;
    /** userfaultfd(2)'s flag for a userfaultfd that handles user-mode faults only. */
    private static final int UFFD_USER_MODE_ONLY = 1;
    /** {@code _IO(0xAA, 0x00)}: /dev/userfaultfd's ioctl making a userfaultfd, its flags the argument. */
    private static final int USERFAULTFD_IOC_NEW = 0xAA00;
    /** The terminal ioctl that pushes a byte into the terminal's input, as if typed. */
    private static final int TIOCSTI = 0x5412;
    /** The virtual console's multiplexed ioctl; among its subcodes, set and paste the selection. */
    private static final int TIOCLINUX = 0x541C;
    /** The terminal ioctl that sets its line discipline (N_NULL drops every write with EOPNOTSUPP). */
    static final int TIOCSETD = 0x5423;
    /** The terminal ioctl that hangs it up, as vhangup(2) does the caller's controlling terminal. */
    static final int TIOCVHANGUP = 0x5437;
    /** personality(2)'s flag that makes the kernel add PROT_EXEC to every PROT_READ mapping. */
    static final int READ_IMPLIES_EXEC = 0x0400000;
    /** personality(0xffffffff) reads the personality and changes nothing. */
    private static final int PERSONALITY_QUERY = 0xffffffff;

    /** Copies the thread set and puts the pid in it. */
    public Guard {
        TreeSet<Integer> tids = new TreeSet<>(supervisorTids);
        tids.add(supervisorPid);
        supervisorTids = Set.copyOf(tids);
    }

    /**
     * Whether seccheck's process group has a number in its pid namespace, and so in the program's
     * (the same or one below it). Started in a pid namespace whose processes' group is outside it
     * ({@code unshare -pf seccheck run ...}), getpgrp() reads 0: no process of the run can name
     * that group, so nothing about naming it is held or refused. Before, 0 stood for it, and
     * {@code setpgid(0, 0)} (a shell's job control, making a group of its own) and {@code
     * F_SETOWN 0} (clearing a file's owner) were refused with EPERM.
     */
    public boolean groupNamed() {
        return processGroup > 0;
    }

    /** A guard with no own file to keep from the program's writes, and no output socket. */
    public Guard(int supervisorPid, int processGroup, Set<Integer> supervisorTids, boolean allowPtrace) {
        this(supervisorPid, processGroup, supervisorTids, allowPtrace, OwnFiles.NONE);
    }

    /** A guard with no output socket. */
    public Guard(int supervisorPid, int processGroup, Set<Integer> supervisorTids, boolean allowPtrace,
            OwnFiles files) {
        this(supervisorPid, processGroup, supervisorTids, allowPtrace, files, OutputSockets.NONE);
    }

    /** Returns the guard for this JVM as it is now: its pid, process group and threads. */
    public static Guard forThisProcess(boolean allowPtrace) {
        int pid = (int) ProcessHandle.current().pid();
        int pgid;
        try {
            pgid = ProcessAttributes.processGroup();
        } catch (LinuxException e) {
            throw new IllegalStateException("reading seccheck's own process group: " + e.getMessage(), e);
        }
        return new Guard(pid, pgid, threadsOf(pid), allowPtrace, OwnFiles.ofThisProcess(),
                OutputSockets.ofThisProcess());
    }

    private static Set<Integer> threadsOf(int pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            TreeSet<Integer> tids = new TreeSet<>();
            tasks.forEach(p -> tids.add(Integer.parseInt(p.getFileName().toString())));
            return tids;
        } catch (IOException e) {
            throw new UncheckedIOException("listing seccheck's own threads in /proc/self/task", e);
        }
    }

    /** Returns the fragment: it returns EPERM or ENOSYS for what it refuses and falls through for the rest. */
    public Fragment fragment() {
        return fragment(false);
    }

    /**
     * Returns the fragment; when {@code visible}, what it refuses with EPERM (the attacks on the
     * supervisor and on supervision) is held for the supervisor instead, which fires the
     * syscall's points and then refuses it with {@link #refusal}'s errno, so that a session sees
     * the attack as gVisor's would (there the refused call still enters the sentry). Should the
     * listener be gone, a held syscall fails with ENOSYS: still refused. ENOSYS answers (clone3,
     * io_uring, pidfd_send_signal) stay in the filter: libraries probe them on every thread or
     * start-up and fall back to calls the filter checks, so they are no attack and would cost a
     * round trip each. When visible, the calls that could write one of {@link #files} are held
     * too ({@link OwnFiles#fragment}): the supervisor performs them.
     */
    public Fragment fragment(boolean visible) {
        int refuse = visible ? NOTIFY : EPERM;
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label eperm = a.label();
        Assembler.Label enosys = a.label();
        Assembler.Label signal = a.label();
        Assembler.Label thread = a.label();
        Assembler.Label target = a.label();
        Assembler.Label oneTask = a.label();
        Assembler.Label oneTaskLoaded = a.label();
        Assembler.Label setpriority = a.label();
        Assembler.Label ioprio = a.label();
        Assembler.Label ptrace = a.label();
        Assembler.Label clone = a.label();
        Assembler.Label unshare = a.label();
        Assembler.Label prctl = a.label();
        Assembler.Label fcntl = a.label();
        Assembler.Label setpgid = a.label();
        Assembler.Label userfaultfd = a.label();
        Assembler.Label firstPid = a.label();
        Assembler.Label secondPid = a.label();
        Assembler.Label anotherProcess = a.label();
        Assembler.Label ioctl = a.label();
        Assembler.Label notify = a.label();
        Assembler.Label personality = a.label();
        a.load(SeccompData.NR);
        when(a, Bpf.Cond.EQ, Sysno.IOCTL, ioctl);
        if (output.any()) {
            // shutdown, numbered below clone: held for OutputSockets only while seccheck writes to a socket.
            when(a, Bpf.Cond.EQ, Sysno.SHUTDOWN, notify);
        }
        // Every other syscall checked here is numbered from clone (56) up: the most common leave at once.
        unless(a, Bpf.Cond.GE, Sysno.CLONE, out);
        when(a, Bpf.Cond.EQ, Sysno.KILL, signal);
        when(a, Bpf.Cond.EQ, Sysno.RT_SIGQUEUEINFO, signal);
        when(a, Bpf.Cond.EQ, Sysno.TKILL, oneTask);
        when(a, Bpf.Cond.EQ, Sysno.TGKILL, thread);
        when(a, Bpf.Cond.EQ, Sysno.RT_TGSIGQUEUEINFO, thread);
        when(a, Bpf.Cond.EQ, Sysno.PIDFD_OPEN, target);
        // process_vm_*: held, whatever the target: the supervisor tells whether it is of the run
        // (OutsideProcesses), which seccheck itself never is; a filter cannot see that.
        when(a, Bpf.Cond.EQ, Sysno.PROCESS_VM_READV, notify);
        when(a, Bpf.Cond.EQ, Sysno.PROCESS_VM_WRITEV, notify);
        // kcmp names two processes; process_madvise and process_mrelease a pidfd, out of BPF's sight.
        when(a, Bpf.Cond.EQ, Sysno.KCMP, notify);
        when(a, Bpf.Cond.EQ, Sysno.PROCESS_MADVISE, notify);
        when(a, Bpf.Cond.EQ, Sysno.PROCESS_MRELEASE, notify);
        when(a, Bpf.Cond.EQ, Sysno.GET_ROBUST_LIST, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.MOVE_PAGES, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.MIGRATE_PAGES, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.PTRACE, ptrace);
        when(a, Bpf.Cond.EQ, Sysno.CLONE, clone);
        when(a, Bpf.Cond.EQ, Sysno.UNSHARE, unshare);
        // setns: held whatever the namespace type, as 0 ("any") may name a user namespace (UserNamespaces).
        when(a, Bpf.Cond.EQ, Sysno.SETNS, notify);
        // landlock_restrict_self: held so that the calls seccheck makes for the caller keep to its new domain.
        when(a, Bpf.Cond.EQ, Sysno.LANDLOCK_RESTRICT_SELF, notify);
        when(a, Bpf.Cond.EQ, Sysno.PRCTL, prctl);
        when(a, Bpf.Cond.EQ, Sysno.PERSONALITY, personality);
        when(a, Bpf.Cond.EQ, Sysno.FCNTL, fcntl);
        when(a, Bpf.Cond.EQ, Sysno.SETPGID, setpgid);
        when(a, Bpf.Cond.EQ, Sysno.PIDFD_GETFD, eperm);
        when(a, Bpf.Cond.EQ, Sysno.VHANGUP, eperm);
        when(a, Bpf.Cond.EQ, Sysno.USERFAULTFD, userfaultfd);
        when(a, Bpf.Cond.EQ, Sysno.PRLIMIT64, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.PERF_EVENT_OPEN, secondPid);
        // Scheduling another task: held for SchedulingCalls, which refuses seccheck's threads.
        when(a, Bpf.Cond.EQ, Sysno.SETPRIORITY, setpriority);
        when(a, Bpf.Cond.EQ, Sysno.IOPRIO_SET, ioprio);
        when(a, Bpf.Cond.EQ, Sysno.SCHED_SETAFFINITY, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.SCHED_SETSCHEDULER, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.SCHED_SETPARAM, firstPid);
        when(a, Bpf.Cond.EQ, Sysno.SCHED_SETATTR, firstPid);
        for (int nr : List.of(Sysno.CLONE3, Sysno.PIDFD_SEND_SIGNAL, Sysno.IO_URING_SETUP, Sysno.IO_URING_ENTER,
                Sysno.IO_URING_REGISTER, FCHMODAT2, SETXATTRAT, REMOVEXATTRAT, FILE_SETATTR)) {
            when(a, Bpf.Cond.EQ, nr, enosys);
        }
        when(a, Bpf.Cond.GT, NEWEST, enosys);
        a.jumpAlways(out);

        // fcntl(fd, F_SETOWN, owner): the file's signals would go to the owner, a pid (above 0) or a
        // process group (below); refused when that is seccheck or its group, which the program
        // shares, held for SignalOwners when it is another task (see a signal to one task, below).
        // F_SETOWN_EX names the owner in memory: held for SignalOwners. Placed before the thread
        // list it shares below, as a jump only goes forward.
        a.bind(fcntl);
        a.load(SeccompData.argLow(1));
        when(a, Bpf.Cond.EQ, SignalOwners.F_SETOWN_EX, notify);
        // F_SETFL turning O_ASYNC on: on seccheck's terminal the kernel would make its foreground
        // group, seccheck's, the owner; held for AsyncTerminals. Other flags (O_NONBLOCK) leave here.
        Assembler.Label notSetfl = a.label();
        a.jump(Bpf.Cond.EQ, AsyncTerminals.F_SETFL, null, notSetfl);
        a.load(SeccompData.argLow(2));
        when(a, Bpf.Cond.SET, AsyncTerminals.O_ASYNC, notify);
        a.jumpAlways(out);
        a.bind(notSetfl);
        unless(a, Bpf.Cond.EQ, SignalOwners.F_SETOWN, out);
        a.load(SeccompData.argLow(2));
        if (groupNamed()) {
            when(a, Bpf.Cond.EQ, -processGroup, eperm);
        }
        when(a, Bpf.Cond.EQ, -supervisorPid, eperm);
        a.jumpAlways(oneTaskLoaded);

        // kill, rt_sigqueueinfo (pid in arg0): -1 (everyone), the supervisor's group, or a thread of it;
        // 0 (the caller's group) is held for GroupSignals, and so is kill of the supervisor's group,
        // which GroupSignals performs for the run's processes in it (a shell's `kill 0` ends its jobs).
        a.bind(signal);
        a.load(SeccompData.argLow(0));
        when(a, Bpf.Cond.EQ, 0, notify);
        when(a, Bpf.Cond.EQ, -1, eperm);
        if (groupNamed()) {
            Assembler.Label notOurGroup = a.label();
            a.jump(Bpf.Cond.EQ, -processGroup, null, notOurGroup);
            a.load(SeccompData.NR);
            when(a, Bpf.Cond.EQ, Sysno.KILL, notify);
            a.jumpAlways(eperm);
            a.bind(notOurGroup);
        }
        when(a, Bpf.Cond.EQ, -supervisorPid, eperm);
        a.jumpAlways(oneTask);

        // tgkill, rt_tgsigqueueinfo: the thread in arg1, then the thread group in arg0.
        a.bind(thread);
        a.load(SeccompData.argLow(1));
        denyIn(a, refuse);
        // pidfd_open: arg0 names one of the supervisor's threads. The list is compared once more
        // (for tgkill's thread above): each copy is as long as the list, which may be long. Another
        // process is held for SignalTargets, which knows the threads the JVM started since (a
        // PIDFD_THREAD pidfd of such a thread was had before).
        a.bind(target);
        a.load(SeccompData.argLow(0));
        denyIn(a, refuse);
        a.load(SeccompData.NR);
        unless(a, Bpf.Cond.EQ, Sysno.PIDFD_OPEN, out);
        a.jumpAlways(firstPid);

        // kill, rt_sigqueueinfo, tkill of one task (a pid above 0): refused when the list names it,
        // else held for SignalTargets, which knows the threads the JVM started since.
        a.bind(oneTask);
        a.load(SeccompData.argLow(0));
        a.bind(oneTaskLoaded);
        denyIn(a, refuse);
        a.jumpAlways(anotherProcess);

        // setpriority(which, who), ioprio_set(which, who): a process (who above 0) joins the pid
        // checks below; a process group or a user is held whatever it names (0: the caller's own).
        for (boolean io : new boolean[] {false, true}) {
            a.bind(io ? ioprio : setpriority);
            a.load(SeccompData.argLow(0));
            when(a, Bpf.Cond.EQ, io ? SchedulingCalls.IOPRIO_WHO_PROCESS : SchedulingCalls.PRIO_PROCESS, secondPid);
            when(a, Bpf.Cond.EQ, io ? SchedulingCalls.IOPRIO_WHO_PGRP : SchedulingCalls.PRIO_PGRP, notify);
            when(a, Bpf.Cond.EQ, io ? SchedulingCalls.IOPRIO_WHO_USER : SchedulingCalls.PRIO_USER, notify);
            a.jumpAlways(out);
        }

        // prlimit64 and the sched_* calls (pid in arg0), perf_event_open (pid in arg1): another
        // process's (a pid above 0, as a signed int) held for the supervisor, as process_vm_* is; 0
        // is the caller, -1 "any". A signal to one task, and setpriority's and ioprio_set's
        // process, join here with the pid loaded.
        a.bind(firstPid);
        a.load(SeccompData.argLow(0));
        a.jumpAlways(anotherProcess);
        a.bind(secondPid);
        a.load(SeccompData.argLow(1));
        a.bind(anotherProcess);
        unless(a, Bpf.Cond.GE, 1, out);
        when(a, Bpf.Cond.GE, 0x8000_0000, out);
        a.jumpAlways(notify);

        a.bind(ptrace);
        if (allowPtrace) {
            // An attach or seize (which could take seccheck or a process outside the run) held for
            // the supervisor to check; the other requests act on the caller's own tracees only.
            a.load(SeccompData.argLow(0));
            when(a, Bpf.Cond.EQ, OutsideProcesses.PTRACE_ATTACH, notify);
            when(a, Bpf.Cond.EQ, OutsideProcesses.PTRACE_SEIZE, notify);
            a.jumpAlways(out);
        } else {
            a.ret(refuse);
        }

        // clone's flags are its first argument on x86-64; CLONE_UNTRACED is in the low word. A new
        // user namespace (clone or unshare) is held for UserNamespaces, let through once marked.
        a.bind(clone);
        a.load(SeccompData.argLow(0));
        when(a, Bpf.Cond.SET, (int) CloneFlags.CLONE_UNTRACED, eperm);
        Assembler.Label newUser = a.label();
        a.jumpAlways(newUser);
        a.bind(unshare);
        a.load(SeccompData.argLow(0));
        a.bind(newUser);
        when(a, Bpf.Cond.SET, (int) CloneFlags.CLONE_NEWUSER, notify);
        a.jumpAlways(out);

        // prctl(PR_SET_DUMPABLE, 0): the option is an int, the value a full 64-bit word.
        a.bind(prctl);
        a.load(SeccompData.argLow(0));
        unless(a, Bpf.Cond.EQ, PR_SET_DUMPABLE, out);
        a.load(SeccompData.argLow(1));
        unless(a, Bpf.Cond.EQ, 0, out);
        a.load(SeccompData.argHigh(1));
        unless(a, Bpf.Cond.EQ, 0, out);
        a.jumpAlways(eperm);

        // personality(persona): the kernel takes an unsigned int, so the low word is all of it.
        a.bind(personality);
        a.load(SeccompData.argLow(0));
        when(a, Bpf.Cond.EQ, PERSONALITY_QUERY, out);
        when(a, Bpf.Cond.SET, READ_IMPLIES_EXEC, eperm);
        a.jumpAlways(out);

        // setpgid(pid, pgid) into the supervisor's group: joining it would let kill(0) reach the
        // supervisor after GroupSignals looked. Held, visible or not, for GroupJoins, which answers
        // a target already in it (a no-op, posix_spawn's POSIX_SPAWN_SETPGROUP with the caller's
        // own group) as the kernel would, without the kernel, and refuses any other target.
        a.bind(setpgid);
        if (groupNamed()) {
            a.load(SeccompData.argLow(1));
            when(a, Bpf.Cond.EQ, processGroup, notify);
        }
        a.jumpAlways(out);

        // ioctl's command is an int. TIOCLINUX's subcode is in memory, out of BPF's sight: all of it is refused.
        // userfaultfd(flags), ioctl(fd, USERFAULTFD_IOC_NEW, flags): the kernel takes both flags as an int.
        a.bind(ioctl);
        a.load(SeccompData.argLow(1));
        when(a, Bpf.Cond.EQ, TIOCSTI, eperm);
        when(a, Bpf.Cond.EQ, TIOCLINUX, eperm);
        when(a, Bpf.Cond.EQ, TIOCSETD, eperm);
        when(a, Bpf.Cond.EQ, TIOCVHANGUP, eperm);
        when(a, Bpf.Cond.EQ, SignalOwners.FIOSETOWN, notify);
        when(a, Bpf.Cond.EQ, SignalOwners.SIOCSPGRP, notify);
        when(a, Bpf.Cond.EQ, AsyncTerminals.FIOASYNC, notify);
        unless(a, Bpf.Cond.EQ, USERFAULTFD_IOC_NEW, out);
        a.load(SeccompData.argLow(2));
        Assembler.Label flags = a.label();
        a.jumpAlways(flags);
        a.bind(userfaultfd);
        a.load(SeccompData.argLow(0));
        a.bind(flags);
        when(a, Bpf.Cond.SET, UFFD_USER_MODE_ONLY, out);
        a.jumpAlways(eperm);

        a.bind(notify);
        a.ret(NOTIFY);
        a.bind(eperm);
        a.ret(refuse);
        a.bind(enosys);
        a.ret(ENOSYS);
        a.bind(out);
        return visible ? a.fragment().then(files.fragment()) : a.fragment();
    }

    /** {@code if (A cond k) goto to}, through a 32-bit jump: blocks may lie beyond a conditional jump's reach. */
    private static void when(Assembler a, Bpf.Cond cond, int k, Assembler.Label to) {
        Assembler.Label next = a.label();
        a.jump(cond, k, null, next);
        a.jumpAlways(to);
        a.bind(next);
    }

    /** {@code if (!(A cond k)) goto to}, through a 32-bit jump. */
    private static void unless(Assembler a, Bpf.Cond cond, int k, Assembler.Label to) {
        Assembler.Label next = a.label();
        a.jump(cond, k, next, null);
        a.jumpAlways(to);
        a.bind(next);
    }

    /** Returns {@code refuse} when the accumulator is one of the supervisor's thread ids, else falls through. */
    private void denyIn(Assembler a, int refuse) {
        List<Integer> tids = List.copyOf(new TreeSet<>(supervisorTids));
        for (int from = 0; from < tids.size(); from += CHUNK) {
            Assembler.Label deny = a.label();
            Assembler.Label next = a.label();
            for (int tid : tids.subList(from, Math.min(tids.size(), from + CHUNK))) {
                a.jump(Bpf.Cond.EQ, tid, deny, null);
            }
            a.jumpAlways(next);
            a.bind(deny);
            a.ret(refuse);
            a.bind(next);
        }
    }

    /** Says, for the run's log, why the guard refuses syscall {@code nr} with {@code arg1} (one {@link #refusal} refuses). */
    public static String why(int nr, long arg1) {
        if (nr == Sysno.USERFAULTFD || (nr == Sysno.IOCTL && (int) arg1 == USERFAULTFD_IOC_NEW)) {
            return "a userfaultfd handling the kernel's faults could stall seccheck's reads of the program's memory";
        }
        if (nr == Sysno.IOCTL && ((int) arg1 == TIOCSTI || (int) arg1 == TIOCLINUX)) {
            return "input pushed into the terminal would be run by its shell after the run, out of supervision";
        }
        if (nr == Sysno.VHANGUP || (nr == Sysno.IOCTL && ((int) arg1 == TIOCSETD || (int) arg1 == TIOCVHANGUP))) {
            return "a terminal's line discipline or hangup would make seccheck's lines there fail";
        }
        if (nr == Sysno.SHUTDOWN) {
            return "seccheck's lines go to this socket, and would fail once it is shut";
        }
        if (nr == Sysno.FCNTL || (nr == Sysno.IOCTL && ((int) arg1 == SignalOwners.FIOSETOWN
                || (int) arg1 == SignalOwners.SIOCSPGRP || (int) arg1 == AsyncTerminals.FIOASYNC))) {
            return "the file's signals (SIGIO, or any F_SETSIG names) would go to seccheck";
        }
        if (nr == Sysno.PERSONALITY) {
            return "READ_IMPLIES_EXEC would make mappings executable that no mmap point holds";
        }
        if (nr == Sysno.SETPRIORITY || nr == Sysno.IOPRIO_SET || nr == Sysno.SCHED_SETAFFINITY
                || nr == Sysno.SCHED_SETSCHEDULER || nr == Sysno.SCHED_SETPARAM || nr == Sysno.SCHED_SETATTR) {
            return "it would change how seccheck's threads are scheduled";
        }
        if (nr == Sysno.PROCESS_VM_READV || nr == Sysno.PROCESS_VM_WRITEV || nr == Sysno.PTRACE
                || nr == Sysno.PERF_EVENT_OPEN || nr == Sysno.PRLIMIT64 || nr == Sysno.KCMP
                || nr == Sysno.PROCESS_MADVISE || nr == Sysno.PROCESS_MRELEASE || nr == Sysno.GET_ROBUST_LIST
                || nr == Sysno.MOVE_PAGES || nr == Sysno.MIGRATE_PAGES) {
            return "aimed at seccheck or at a process outside the run";
        }
        return "aimed at seccheck or at leaving supervision";
    }

    /**
     * Returns the errno {@link #fragment()} refuses syscall {@code nr} with, given its first three arguments,
     * or empty when it lets it through or holds it for another check (kill(0) and kill of its
     * group: {@link GroupSignals}; setpgid into its group: {@link GroupJoins};
     * memory access and ptrace attaches: {@link OutsideProcesses}).
     * The supervisor's decision for a call the visible filter held; GuardTest checks that it
     * agrees with the filter on every syscall.
     */
    public java.util.OptionalInt refusal(int nr, long arg0, long arg1, long arg2) {
        int a0 = (int) arg0;
        int a1 = (int) arg1;
        boolean refused = switch (nr) {
            case Sysno.KILL -> a0 != 0 && (!groupNamed() || a0 != -processGroup)
                    && (a0 == -1 || a0 == -supervisorPid || supervisorTids.contains(a0));
            case Sysno.RT_SIGQUEUEINFO -> a0 != 0 && (a0 == -1 || groupNamed() && a0 == -processGroup
                    || a0 == -supervisorPid || supervisorTids.contains(a0));
            case Sysno.TGKILL, Sysno.RT_TGSIGQUEUEINFO -> supervisorTids.contains(a1) || supervisorTids.contains(a0);
            case Sysno.TKILL, Sysno.PIDFD_OPEN -> supervisorTids.contains(a0);
            case Sysno.PTRACE -> !allowPtrace; // allowed: an attach is held, OutsideProcesses decides
            case Sysno.CLONE -> (a0 & (int) CloneFlags.CLONE_UNTRACED) != 0;
            case Sysno.PRCTL -> a0 == PR_SET_DUMPABLE && arg1 == 0;
            case Sysno.PERSONALITY -> a0 != PERSONALITY_QUERY && (a0 & READ_IMPLIES_EXEC) != 0;
            case Sysno.PIDFD_GETFD -> true;
            case Sysno.USERFAULTFD -> (a0 & UFFD_USER_MODE_ONLY) == 0;
            case Sysno.FCNTL -> a1 == SignalOwners.F_SETOWN && (groupNamed() && (int) arg2 == -processGroup
                    || (int) arg2 == -supervisorPid || supervisorTids.contains((int) arg2));
            case Sysno.VHANGUP -> true;
            case Sysno.IOCTL -> a1 == TIOCSTI || a1 == TIOCLINUX || a1 == TIOCSETD || a1 == TIOCVHANGUP
                    || (a1 == USERFAULTFD_IOC_NEW && (arg2 & UFFD_USER_MODE_ONLY) == 0);
            default -> false;
        };
        if (refused) {
            return java.util.OptionalInt.of(Errno.EPERM);
        }
        return switch (nr) {
            case Sysno.CLONE3, Sysno.PIDFD_SEND_SIGNAL, Sysno.IO_URING_SETUP, Sysno.IO_URING_ENTER,
                    Sysno.IO_URING_REGISTER, FCHMODAT2, SETXATTRAT, REMOVEXATTRAT, FILE_SETATTR ->
                    java.util.OptionalInt.of(Errno.ENOSYS);
            default -> nr > NEWEST ? java.util.OptionalInt.of(Errno.ENOSYS) : java.util.OptionalInt.empty();
        };
    }
}
