package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

/**
 * GroupSignals answers the signals a supervised program sends to seccheck's process group, which
 * {@link Guard} holds for the supervisor instead of answering in BPF: the program stays in the
 * process group of whoever started seccheck, so that job control and the terminal behave as
 * natively, and seccheck is in that group too. A filter cannot see the caller's group, so the
 * supervisor looks it up.
 *
 * <p>{@code kill(0, sig)} from a caller in seccheck's group, and {@code kill(-group, sig)} naming
 * seccheck's group, are performed here: the signal goes to every process of the run in that group
 * (a shell's {@code trap 'kill 0' EXIT} ends its jobs, as natively) and never to seccheck or to a
 * process outside the run, and the call gets the kernel's answer: 0 when a process was signalled,
 * EPERM when the caller may signal none of them, ESRCH when there is none, EINVAL for no signal.
 * The signals are sent once the call is answered ({@link Answer#send}); they come from seccheck
 * (their si_pid is seccheck's); the processes of that group outside the run (seccheck, the shell
 * that started it if it shares the group) are not signalled.
 * Refused with EPERM instead, as before, the program's jobs outlived it and a run whose shell
 * waited for them never ended. {@code rt_sigqueueinfo(0, ...)} is still refused while the caller
 * is in seccheck's group. Once out of seccheck's group a program cannot come back ({@link GroupJoins}
 * refuses {@code setpgid} into it); a caller that leaves it between this look-up and the
 * signals still signals only processes of the run.
 *
 * @param supervisorGroup seccheck's process group id
 */
public record GroupSignals(int supervisorGroup) {

    /** The highest signal number (_NSIG). */
    private static final int NSIG = 64;
    /** CAP_KILL's bit in CapEff. */
    private static final long CAP_KILL = 1L << 5;
    private static final int SIGCONT = 18;

    /** seccheck's pid namespace, as its {@code ns/pid} link names it; null where that cannot be read. */
    private static final String OWN_PID_NAMESPACE = Procfs.link(ProcessHandle.current().pid(), "ns/pid").orElse(null);

    /**
     * Returns whether a held syscall is one the guard holds for this check: kill or
     * rt_sigqueueinfo of pid 0, or kill of seccheck's group.
     */
    public boolean held(int nr, long pidArg) {
        int pid = (int) pidArg;
        return ((nr == Sysno.KILL || nr == Sysno.RT_SIGQUEUEINFO) && pid == 0)
                || (nr == Sysno.KILL && pid == -supervisorGroup);
    }

    /**
     * Returns how the held call of task {@code tid} is answered: an errno, 0 for success (the
     * signals were sent), or empty to let the kernel perform it (the group named is not seccheck's).
     *
     * @param ofTheRun whether a process is of the run (seccheck ptraces it)
     * @param operators the tasks of a {@code seccheck exec} command, out of the program's reach
     *     unless the caller is one of them. Not a process shielded while its exec is decided: that
     *     shield keeps its new program's memory from the program's other processes, and a signal
     *     reads nothing. Natively a process in execve takes a group's signal; skipped, a shell's
     *     background job that was executing when the shell's {@code kill 0} came outlived it.
     */
    public Optional<Answer> answer(int tid, int nr, int pidArg, int sig, IntPredicate ofTheRun, IntPredicate operators) {
        if (pidArg != 0 && !inSeccheckPidNamespace(tid)) {
            // From a pid namespace below seccheck's the number names a group of that namespace,
            // where seccheck's group is not to be found: the kernel's to answer.
            return Optional.empty();
        }
        int group = pidArg == 0 ? groupOfOrOurs(tid) : -pidArg;
        if (group != supervisorGroup) {
            return Optional.empty();
        }
        if (nr != Sysno.KILL) {
            return Optional.of(new Answer(Errno.EPERM, List.of(), 0)); // rt_sigqueueinfo(0): its siginfo would reach seccheck
        }
        if (sig < 0 || sig > NSIG) {
            return Optional.of(new Answer(Errno.EINVAL, List.of(), 0));
        }
        boolean callerOperators = operators.test(tid);
        List<Integer> members = members(group, pid -> ofTheRun.test(pid) && (callerOperators || !operators.test(pid)));
        return Optional.of(permitted(tid, members, sig));
    }

    /**
     * A held call's answer: its errno (0: it returns 0), and the processes to send {@code signal}
     * once the call is answered.
     */
    public record Answer(int errno, List<Integer> targets, int signal) {
        /** Copies the targets. */
        public Answer {
            targets = List.copyOf(targets);
        }

        /**
         * Sends the signal to the targets: only after the call was answered. A signal reaching
         * the caller while it waits for the answer interrupts the wait (the SIGCHLD of a child
         * the signal killed, or its own): kill then failed with EINTR, which it never does, or was
         * restarted and signalled the group a second time. So each signal arrives just after kill
         * returns rather than before, the caller's own included.
         */
        public void send() {
            for (int pid : targets) {
                try {
                    Signals.kill(pid, signal);
                } catch (LinuxException e) {
                    // Gone since it was listed: as if the kernel had not found it in the group.
                }
            }
        }
    }

    /**
     * The answer of the kernel's kill of a group made of {@code members}: 0 when the caller may
     * signal at least one (those it may are the targets; none for signal 0), else EPERM, or ESRCH
     * for no member.
     */
    static Answer permitted(int tid, List<Integer> members, int sig) {
        if (members.isEmpty()) {
            return new Answer(Errno.ESRCH, List.of(), 0);
        }
        Optional<Procfs.Status> caller = Procfs.status(tid);
        List<Integer> targets = new ArrayList<>();
        for (int pid : members) {
            Optional<Procfs.Status> target = Procfs.status(pid);
            if (caller.isPresent() && target.isPresent() && mayKill(tid, caller.get(), pid, target.get(), sig)) {
                targets.add(pid);
            }
        }
        if (targets.isEmpty()) {
            return new Answer(Errno.EPERM, List.of(), 0);
        }
        return sig == 0 ? new Answer(0, List.of(), 0) : new Answer(0, targets, sig);
    }

    /**
     * Whether the kernel would let the caller signal the target (kill_ok_by_cred): a real or
     * effective uid of the caller is the target's real or saved uid, or the caller holds CAP_KILL
     * in the target's user namespace (here: the caller has it and shares that namespace); CONT
     * within a session always goes.
     */
    static boolean mayKill(int tid, Procfs.Status caller, int pid, Procfs.Status target, int sig) {
        long[] c = caller.ids("Uid");
        long[] t = target.ids("Uid");
        if (c == null || t == null) {
            return false;
        }
        if (c[0] == t[0] || c[0] == t[2] || c[1] == t[0] || c[1] == t[2]) {
            return true;
        }
        if (sig == SIGCONT && session(tid) == session(pid) && session(tid) > 0) {
            return true;
        }
        String caps = caller.fields().get("CapEff");
        boolean capKill = caps != null && (Long.parseUnsignedLong(caps.trim(), 16) & CAP_KILL) != 0;
        Optional<String> ns = Procfs.link(tid, "ns/user");
        return capKill && ns.isPresent() && ns.equals(Procfs.link(pid, "ns/user"));
    }

    /** The processes (by seccheck's numbers) in process group {@code group} that {@code keep} accepts. */
    static List<Integer> members(int group, IntPredicate keep) {
        List<Integer> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                int pid = Integer.parseInt(name);
                if (groupOf(pid) == group && keep.test(pid)) {
                    found.add(pid);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("listing /proc for process group " + group, e);
        }
        return found;
    }

    /** The process group of {@code pid}, or seccheck's own where it cannot be read (fail closed: nothing outside the run is signalled either way). */
    private int groupOfOrOurs(int pid) {
        int g = groupOf(pid);
        return g < 0 ? supervisorGroup : g;
    }

    /** The process group of {@code pid} by seccheck's numbers, or -1 if it is gone. */
    static int groupOf(int pid) {
        try {
            return Integer.parseInt(Procfs.statFieldsAfterComm(pid)[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int session(int pid) {
        try {
            return Integer.parseInt(Procfs.statFieldsAfterComm(pid)[3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean inSeccheckPidNamespace(int tid) {
        Optional<String> ns = Procfs.link(tid, "ns/pid");
        return ns.isEmpty() || ns.get().equals(OWN_PID_NAMESPACE);
    }

    /**
     * Returns whether the signal of task {@code tid} to its own group would reach seccheck: it is
     * in seccheck's group, or its group cannot be read (then it is refused: fail closed).
     */
    public boolean reachesSupervisor(int tid) {
        return groupOfOrOurs(tid) == supervisorGroup;
    }
}
