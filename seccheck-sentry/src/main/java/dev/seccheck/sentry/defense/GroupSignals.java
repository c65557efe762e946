package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Procfs;
import dev.seccheck.sentry.emulate.NamespaceCapability;
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
 * that started it if it shares the group) are not signalled. Each member is held by a pidfd from
 * before it is checked (of the run, in the group, the caller may signal it) to the signal, which
 * goes through the pidfd: a member that exits meanwhile is not found, and the process that took
 * its number is never reached. By number, the signals went to whatever processes held the numbers
 * when they were sent (with the pid space full, a freed number is the next one given out), outside
 * the run too. One pidfd per member is open from the look-up to the answer.
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
            return Optional.of(Answer.of(Errno.EPERM)); // rt_sigqueueinfo(0): its siginfo would reach seccheck
        }
        if (sig < 0 || sig > NSIG) {
            return Optional.of(Answer.of(Errno.EINVAL));
        }
        boolean callerOperators = operators.test(tid);
        IntPredicate keep = pid -> ofTheRun.test(pid) && (callerOperators || !operators.test(pid));
        return Optional.of(permitted(tid, pinned(group, members(group, keep), keep), sig));
    }

    /**
     * The processes of {@code members} (found by number) that are still members, each held by a
     * pidfd opened before it is looked at again ({@code keep}, its group), so that the signal sent
     * later reaches the process looked at and never a process that took its number meanwhile. The
     * facts are of the pidfd's process when it is still alive after they were read
     * ({@link #permitted} looks last).
     */
    static List<Target> pinned(int group, List<Integer> members, IntPredicate keep) {
        List<Target> pinned = new ArrayList<>(members.size());
        for (int pid : members) {
            Pidfd p = Pidfd.ofProcess(pid);
            if (p == null) {
                continue; // gone since it was listed
            }
            if (groupOf(pid) == group && keep.test(pid)) {
                pinned.add(new Target(pid, p));
            } else {
                p.close();
            }
        }
        return pinned;
    }

    /** A process a group signal is for: its number (seccheck's) and a pidfd of it. */
    public record Target(int pid, Pidfd pidfd) {}

    /**
     * A held call's answer: its errno (0: it returns 0), and the processes to send {@code signal}
     * once the call is answered, each by a pidfd it holds until {@link #send} or {@link #close}.
     */
    public record Answer(int errno, List<Target> targets, int signal) implements AutoCloseable {
        /** Copies the targets. */
        public Answer {
            targets = List.copyOf(targets);
        }

        /** An answer that signals no one. */
        static Answer of(int errno) {
            return new Answer(errno, List.of(), 0);
        }

        /** The numbers of the processes it signals. */
        public List<Integer> pids() {
            return targets.stream().map(Target::pid).toList();
        }

        /**
         * Sends the signal to the targets, through their pidfds, which it then closes: only after
         * the call was answered. A signal reaching
         * the caller while it waits for the answer interrupts the wait (the SIGCHLD of a child
         * the signal killed, or its own): kill then failed with EINTR, which it never does, or was
         * restarted and signalled the group a second time. So each signal arrives just after kill
         * returns rather than before, the caller's own included. A target that has exited since
         * is not found (ESRCH), as if the kernel had not found it in the group; by number, the
         * signal reached whatever process had taken its number, outside the run too.
         */
        public void send() {
            for (Target t : targets) {
                t.pidfd().signal(signal);
            }
            close();
        }

        /** Closes the targets' pidfds (the call was not answered, or {@link #send} is done). */
        @Override
        public void close() {
            targets.forEach(t -> t.pidfd().close());
        }
    }

    /**
     * The answer of the kernel's kill of a group made of {@code members}: 0 when the caller may
     * signal at least one (those it may are the targets; none for signal 0), else EPERM, or ESRCH
     * for no member. The members' pidfds not kept in the answer are closed; a member whose
     * process has exited by the end of the look is no member (its facts may be another's).
     */
    static Answer permitted(int tid, List<Target> members, int sig) {
        Optional<Procfs.Status> caller = Procfs.status(tid);
        List<Target> targets = new ArrayList<>();
        boolean alive = false;
        boolean allowed = false;
        for (Target m : members) {
            Optional<Procfs.Status> target = Procfs.status(m.pid());
            boolean may = caller.isPresent() && target.isPresent() && mayKill(tid, caller.get(), m.pid(), target.get(), sig);
            if (m.pidfd().alive()) {
                alive = true;
                allowed |= may;
                if (may && sig != 0) {
                    targets.add(m);
                    continue;
                }
            }
            m.pidfd().close();
        }
        if (!alive) {
            return Answer.of(Errno.ESRCH);
        }
        if (!allowed) {
            return Answer.of(Errno.EPERM);
        }
        return sig == 0 ? Answer.of(0) : new Answer(0, targets, sig);
    }

    /**
     * Whether the kernel would let the caller signal the target (kill_ok_by_cred): a real or
     * effective uid of the caller is the target's real or saved uid, or the caller holds CAP_KILL
     * over the target's user namespace (its own with CAP_KILL effective, or one below it: the
     * kernel's {@code cap_capable} walk, {@link NamespaceCapability}); CONT within a session
     * always goes.
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
        long effective = caps == null ? 0 : Long.parseUnsignedLong(caps.trim(), 16);
        long callerNs = Procfs.namespaceInode(Procfs.link(tid, "ns/user").orElse(null), "user").orElse(-1);
        if (callerNs < 0) {
            return false;
        }
        PathCalls calls = new PathCalls();
        int targetNs = calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/ns/user", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        return (NamespaceCapability.held(calls, targetNs, callerNs, c[1], effective) & CAP_KILL) != 0;
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
