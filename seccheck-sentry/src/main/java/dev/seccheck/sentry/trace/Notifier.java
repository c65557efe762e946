package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.ProcessAttributes;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SeccompListener;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.defense.AsyncTerminals;
import dev.seccheck.sentry.defense.GroupJoins;
import dev.seccheck.sentry.defense.GroupSignals;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.sentry.defense.OutputPipes;
import dev.seccheck.sentry.defense.OutputSockets;
import dev.seccheck.sentry.defense.OutsideProcesses;
import dev.seccheck.sentry.defense.SchedulingCalls;
import dev.seccheck.sentry.defense.SignalOwners;
import dev.seccheck.sentry.defense.SignalTargets;
import dev.seccheck.sentry.defense.UserIdMaps;
import dev.seccheck.sentry.defense.UserNamespaces;
import dev.seccheck.sentry.emulate.Emulator;
import dev.seccheck.sentry.emulate.FileTables;
import dev.seccheck.sentry.emulate.LandlockDomains;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Notifier serves a seccomp listener on its own platform thread: each held syscall fires its
 * enter points and is answered "continue" or failed with the denying sink's errno. With the
 * listener's synchronous wake-up, the kernel switches to this thread on the CPU of the task that
 * made the syscall, which is what makes an enter-only point about ten times cheaper than a
 * ptrace stop on these machines.
 *
 * <p>Memory is read before {@link SeccompListener#stillValid} is checked, so that what was read
 * is known to come from the task that is still waiting (not from a process that reused its pid).
 * A multi-threaded workload can still change the memory behind a pointer after the check: see the
 * README's security section.
 *
 * <p>The syscalls the run emulates ({@link SyscallPoints#emulation}: opens, connects; and the
 * calls that could write seccheck's own files, {@code OwnFiles}) are not answered here: they go
 * to an {@link Emulator}, whose threads perform them with seccheck's own
 * copy of the arguments and answer them.
 */
final class Notifier implements Runnable {

    /** How long {@link #stopAndJoin} waits for the thread: it polls with a timeout of 100 ms. */
    private static final long JOIN_DEADLINE_MS = 5_000;

    private final SeccompListener listener;
    /** The launch whose listener this is: its syscalls before its execve are the run's start, not syscalls to report. */
    private final Launch.Child launched;
    private final SyscallPoints points;
    private final TaskTable tasks;
    /** The tasks' own Landlock domains, which the calls seccheck makes for them keep to. */
    private final LandlockDomains landlock;
    private final Consumer<String> log;
    private volatile boolean stopping;

    /** Null when the run emulates nothing. */
    private final Emulator emulator;
    /** The guard in the filter this listener serves: what it held for us is refused as it says. */
    private final Guard guard;
    /** Performs kill(0) and kill(-group) of this process's group held by the guard, for the run's processes only. */
    private final GroupSignals groupSignals;
    /** Answers setpgid into this process's group held by the guard: never performed, refused unless a no-op. */
    private final GroupJoins groupJoins;
    /** Decides the calls held by the guard that would make seccheck a file's signal owner. */
    private final SignalOwners owners;
    /** Decides the signals to one task held by the guard: refused when aimed at a thread of seccheck. */
    private final SignalTargets signalTargets;
    /** Decides the scheduling calls held by the guard: refused when they would reach seccheck. */
    private final SchedulingCalls scheduling;
    /** Gives seccheck's terminal an owner other than seccheck's group before O_ASYNC is turned on for it. */
    private final AsyncTerminals asyncTerminals;

    private Thread thread;

    /** @param self this JVM's pid, for the emulator */
    Notifier(Launch.Child launched, SyscallPoints points, TaskTable tasks, Guard guard, LandlockDomains landlock,
            int self, Consumer<String> log) {
        this.launched = launched;
        this.landlock = landlock;
        this.listener = launched.listener();
        this.guard = guard;
        this.signalTargets = new SignalTargets(guard.supervisorPid());
        this.owners = new SignalOwners(guard, signalTargets);
        this.points = points;
        this.tasks = tasks;
        this.log = log;
        // Before Linux 6.6 the kernel refuses the flag with EINVAL: each held syscall then wakes
        // the notifier on another CPU, which works, only slower. Any other refusal is news.
        int sync = listener.setSyncWakeUp();
        if (sync < 0 && sync != -Errno.EINVAL) {
            log.accept("seccomp notifications without the synchronous wake-up: " + Errno.name(-sync)
                    + "; each held syscall wakes the notifier on another CPU");
        }
        Emulator.Effects effects = points.emulation();
        int group;
        try {
            group = ProcessAttributes.processGroup();
        } catch (LinuxException e) {
            throw new IllegalStateException("reading seccheck's own process group: " + e.getMessage(), e);
        }
        this.groupSignals = new GroupSignals(group);
        this.groupJoins = new GroupJoins(group, signalTargets);
        this.asyncTerminals = new AsyncTerminals(group);
        this.scheduling = new SchedulingCalls(group, ProcessAttributes.realUid(), signalTargets, groupSignals,
                new UserIdMaps());
        this.emulator = effects.any() || guard.files().guarded()
                ? new Emulator(listener, points, effects, guard.files(), OutputPipes.ofThisProcess(), landlock, new FileTables(tasks),
                        Notifier::fdPaths, self, tasks::shieldedFrom, log)
                : null;
    }

    private static dev.seccheck.sentry.syscalls.FdPaths fdPaths(int tid) {
        return fd -> Procfs.link(tid, fd == dev.seccheck.abi.Fcntl.AT_FDCWD ? "cwd" : "fd/" + fd)
                .orElse("[err: FD not found]");
    }

    /** Serves on a new platform thread of this name; returns this. */
    Notifier start(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this);
        return this;
    }

    /** Returns whether its thread has ended: the listener hung up (no task has the filter) or it was stopped. */
    boolean ended() {
        return thread != null && !thread.isAlive();
    }

    /**
     * Asks the thread to end once nothing is pending, and waits for it, at most
     * {@link #JOIN_DEADLINE_MS} ms (a sink that blocks a point's delivery can hold it longer: the
     * run's log then says so).
     */
    void stopAndJoin() {
        stopping = true;
        if (thread == null) {
            return;
        }
        try {
            if (!thread.join(java.time.Duration.ofMillis(JOIN_DEADLINE_MS))) {
                log.accept("seccomp notifier " + thread.getName() + " still busy " + JOIN_DEADLINE_MS
                        + " ms after its run ended");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        Poll poll = new Poll();
        TraceeAccess access = new TraceeAccess();
        try {
            while (true) {
                int ev = poll.poll(listener.fd(), Poll.POLLIN, stopping ? 0 : 100);
                if ((ev & Poll.POLLIN) == 0) {
                    if ((ev & (Poll.POLLHUP | Poll.POLLERR | Poll.POLLNVAL)) != 0 || stopping) {
                        return;
                    }
                    continue;
                }
                SeccompNotification n;
                if (emulator != null) {
                    emulator.receiving();
                }
                try {
                    n = listener.receive();
                } catch (LinuxException e) {
                    if (emulator != null) {
                        emulator.receivedNone();
                    }
                    if (e.errno() == Errno.ENOENT || e.errno() == Errno.EINTR) {
                        continue; // the task died before we received it
                    }
                    throw e;
                }
                if (emulator != null) {
                    emulator.received(n);
                }
                answer(n, access);
            }
        } catch (LinuxException | RuntimeException e) {
            log.accept("seccomp notifier stopped: " + e.getMessage());
        } finally {
            if (emulator != null) {
                emulator.close();
            }
            listener.close();
        }
    }

    /**
     * Refuses a call the guard held: its enter and exit points fire first, as they would in gVisor
     * where a refused call still enters the sentry (their verdicts cannot make it succeed), and,
     * when {@code logged}, the run's log names the attempt. Returns whether the answer reached the
     * caller (not when a signal interrupted its wait first).
     */
    private boolean refuse(SeccompNotification n, Task task, int errno, TraceeAccess access, boolean logged) {
        if (task != null) {
            SyscallEvent enter = new SyscallEvent(n.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                    n.arg5(), false, 0);
            points.fire(task, enter, access);
            if (points.wantsExit(n.nr())) {
                points.fire(task, new SyscallEvent(n.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                        n.arg5(), true, -errno), access);
            }
        }
        if (logged) {
            log.accept("refused " + dev.seccheck.abi.Sysno.name(n.nr()) + " from task " + n.tid() + " ("
                    + Procfs.comm(n.tid()) + "): " + Guard.why(n.nr(), n.arg1()) + " (" + Errno.name(errno) + ")");
        }
        return listener.deny(n.id(), errno);
    }

    /**
     * A held call's refusal: its errno (0: the call returns 0, as the kernel's would), whether it
     * is an attempt the run's log names, what is left to do once it is answered, and what it holds
     * to give back after that (or when it is not answered).
     */
    private record Refusal(int errno, boolean attempt, Runnable then, Runnable release) {
        Refusal(int errno, boolean attempt) {
            this(errno, attempt, () -> {}, () -> {});
        }
    }

    /**
     * Whether a call is refused by one of the checks the guard holds calls for: its own decision,
     * a kill of seccheck's group, answered here once sent to the run's processes in it
     * ({@link GroupSignals}), a setpgid into seccheck's group, answered here and never performed
     * ({@link GroupJoins}), a signal to a thread of seccheck the
     * filter could not list ({@link SignalTargets}), scheduling that would reach seccheck
     * ({@link SchedulingCalls}), a process outside the run
     * ({@link OutsideProcesses}), seccheck as a file's signal owner ({@link SignalOwners}). Null
     * when none refuses it. An answer other than EPERM is the kernel's own, given here: no attempt.
     */
    private Refusal refusalOf(SeccompNotification n, TraceeAccess access) {
        OptionalInt refused = guard.refusal(n.nr(), n.arg0(), n.arg1(), n.arg2());
        if (refused.isEmpty() && SignalTargets.held(n.nr(), n.arg0())) {
            return signalTargets.refusal(n.tid(), n.nr(), (int) n.arg0(), (int) n.arg1(), n.arg2(),
                    access.at(n.tid()))
                    .map(r -> new Refusal(r.errno(), r.aimedAtSupervisor()))
                    .orElse(null);
        }
        if (refused.isEmpty() && groupSignals.held(n.nr(), n.arg0())) {
            // kill's answer is the kernel's, for the signals sent; only rt_sigqueueinfo(0) is refused.
            return groupSignals.answer(n.tid(), n.nr(), (int) n.arg0(), (int) n.arg1(), OutsideProcesses::ofTheRun,
                    tasks::inExecSession)
                    .map(a -> new Refusal(a.errno(), n.nr() != Sysno.KILL, a::send, a::close))
                    .orElse(null);
        }
        if (refused.isEmpty() && GroupJoins.held(n.nr())) {
            // Never named in the run's log: a job-control shell rejoins its first group as it exits,
            // ignoring the EPERM, and that is no attack.
            OptionalInt joined = groupJoins.answer(n.tid(), n.arg0(), n.arg1());
            return joined.isEmpty() ? null : new Refusal(joined.getAsInt(), false);
        }
        if (refused.isEmpty() && SchedulingCalls.held(n.nr(), n.arg0(), n.arg1())) {
            refused = scheduling.refusal(n.tid(), n.nr(), n.arg0(), n.arg1());
        }
        if (refused.isEmpty() && OutsideProcesses.held(n.nr(), n.arg0(), n.arg1())) {
            if (n.nr() == Sysno.PROCESS_VM_READV || n.nr() == Sysno.PROCESS_VM_WRITEV) {
                // Before the shield is looked at; only while the caller waits in the call, whose number
                // is then its own.
                tasks.readingMemory(n.tid(), (int) n.arg0(), () -> listener.stillValid(n.id()));
            }
            refused = OutsideProcesses.refusal(n, access.at(n.tid()), tasks::shieldedFrom);
            if (refused.isEmpty() && points.keepsExecStrings() && OutsideProcesses.writesAnotherProcess(n)) {
                log.accept("refused process_vm_writev from task " + n.tid() + " (" + Procfs.comm(n.tid()) + "): it"
                        + " writes the memory of process " + (int) n.arg0() + ", whose program reads the argv and"
                        + " environment a sink decided its exec on (sentry/execve) from there (EPERM)");
                return new Refusal(Errno.EPERM, false);
            }
        }
        if (refused.isEmpty() && SignalOwners.held(n.nr(), n.arg1())) {
            refused = owners.refusal(n.tid(), n.nr(), n.arg1(), n.arg2(), access.at(n.tid()));
        }
        return refused.isEmpty() ? null : new Refusal(refused.getAsInt(), refused.getAsInt() == Errno.EPERM);
    }

    /**
     * Whether a setns of type {@code nstype} may join a mount namespace: one that names it, or 0
     * (any type: the descriptor's, which another thread could change before the kernel looks).
     * In another namespace's mounts, a memory filesystem seccheck does not see holds files written
     * outside the run, which the program could name as it liked: seccheck names a file on a
     * tmpfs only the program's namespace has as the program sees it (RealPath), taking it for one
     * the program made. Joined, then a bind of it into a directory a rule lets through, read a
     * sandbox's key under a name the rule allowed.
     */
    private static boolean mayJoinMounts(long nstype) {
        int type = (int) nstype;
        return type == 0 || (type & (int) dev.seccheck.abi.CloneFlags.CLONE_NEWNS) != 0;
    }

    /**
     * Answers a shutdown the guard held while seccheck's output is a socket ({@link OutputSockets}):
     * refused with EPERM for that socket (the run's log names the attempt), else, once its points
     * let it, made here on the open file the program named, its answer the program's. Its exit
     * points fire with that answer, as for a refused call.
     */
    private void shutdown(SeccompNotification n, Task task, TraceeAccess access) throws LinuxException {
        // Our copy of the program's socket is closed before any answer: kept past it, the socket
        // stayed open after the program closed it, and its peer saw no end (emulate.HeldFiles).
        OutputSockets.Taken taken = guard.output().take(n.tid(), task.tgid(), n.arg0());
        Verdict verdict = null;
        boolean made = false;
        long r = 0;
        try {
            if (!taken.ours() && !taken.refused()) {
                verdict = Verdict.of(points.fire(task, SyscallEvent.held(n), access));
                if (verdict instanceof Verdict.Allow && listener.stillValid(n.id())) {
                    r = taken.shutdown(n.arg1());
                    made = true;
                }
            }
        } finally {
            taken.close();
        }
        if (taken.ours()) {
            refuse(n, task, Errno.EPERM, access, true);
            return;
        }
        if (taken.refused()) {
            log.accept("refused shutdown from task " + n.tid() + " (" + Procfs.comm(n.tid()) + "): seccheck cannot"
                    + " look at its fd " + (int) n.arg0() + " (" + Errno.name(-taken.file()) + "), which may be"
                    + " the socket seccheck's lines go to (EPERM)");
            refuse(n, task, Errno.EPERM, access, false);
            return;
        }
        if (!(verdict instanceof Verdict.Allow)) {
            try (Pidfd caller = verdict instanceof Verdict.Kill ? Pidfd.ofProcess(task.tgid()) : null) {
                if (listener.stillValid(n.id())) {
                    Verdict.enforce(verdict, Verdict.through(caller), errno -> listener.deny(n.id(), errno));
                }
            }
            return;
        }
        if (!made) {
            return; // the task left the call
        }
        if (points.wantsExit(n.nr())) {
            points.fire(task, new SyscallEvent(n.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(),
                    n.arg5(), true, r), access);
        }
        listener.deny(n.id(), (int) -r); // 0: the call returns 0
    }

    private void answer(SeccompNotification n, TraceeAccess access) throws LinuxException {
        Task task = tasks.get(n.tid());
        if (launched.isSpawnOwn(n)) {
            if (n.nr() == Sysno.EXECVE) {
                // Held here rather than by the exec trap when execve has an enter point: still
                // decided and reported at its exec event, as any exec.
                points.launching(task, SyscallEvent.held(n), access.at(n.tid()));
            }
            listener.allow(n.id());
            return;
        }
        if (task == null) {
            task = tasks.getOrLoad(n.tid());
        }
        if (emulator != null && UserNamespaces.held(n.nr(), n.arg0())) {
            emulator.userNamespaces().leaving(n.tid(), n.nr()); // before the task can be in another namespace
        }
        if (LandlockDomains.held(n.nr())) {
            if (task == null) {
                // A domain seccheck could not record would let the calls it makes for the task escape it.
                listener.deny(n.id(), Errno.EPERM);
                return;
            }
            OptionalInt no = landlock.restricting(n.tid(), task.tgid(), n.arg0(), n.arg1());
            if (no.isPresent()) {
                refuse(n, task, no.getAsInt(), access, false);
                return;
            }
        }
        Refusal refused = refusalOf(n, access);
        if (refused != null) {
            try {
                if (refuse(n, task, refused.errno(), access, refused.attempt())) {
                    refused.then().run(); // not for a call a signal interrupted: it fails or comes again
                }
            } finally {
                refused.release().run();
            }
            return;
        }
        if (task != null && AsyncTerminals.held(n.nr(), n.arg1(), n.arg2())) {
            AsyncTerminals.Outcome async = asyncTerminals.prepare(n.tid(), task.tgid(), n.nr(), n.arg0(), n.arg2(),
                    access.at(n.tid()));
            if (async.errno() != 0) {
                log.accept("refused " + Sysno.name(n.nr()) + " from task " + n.tid() + " (" + Procfs.comm(n.tid())
                        + "): " + async.line() + " (" + Errno.name(async.errno()) + ")");
                refuse(n, task, async.errno(), access, false);
                return;
            }
            if (async.line() != null) {
                log.accept("O_ASYNC on the terminal from task " + n.tid() + " (" + Procfs.comm(n.tid()) + "): "
                        + async.line());
            }
        }
        if (n.nr() == Sysno.SETNS && points.decidesNames() && mayJoinMounts(n.arg1())) {
            log.accept("refused setns from task " + n.tid() + " (" + Procfs.comm(n.tid()) + "): while a sink decides"
                    + " on opening files, no task joins another mount namespace (nstype " + n.arg1() + "; 0 may be one)"
                    + " (EPERM)");
            refuse(n, task, Errno.EPERM, access, false);
            return;
        }
        if (emulator != null && emulator.handles(n)) {
            if (task == null) {
                // Its /proc entry is gone (the task died) or unreadable: an emulated call is never
                // let through unchecked.
                listener.deny(n.id(), Errno.EPERM);
                return;
            }
            emulator.submit(n, task);
            return;
        }
        if (task == null) {
            // Its /proc entry is gone (the task died: the answer reaches no one) or could not be read:
            // its points cannot fire, so a sink that would refuse the call cannot; refused, as an
            // emulated call is. Before, such a call went through unchecked.
            listener.deny(n.id(), Errno.EPERM);
            return;
        }
        if (guard.output().held(n.nr())) {
            shutdown(n, task, access);
            return;
        }
        Verdict verdict = Verdict.of(points.fire(task, SyscallEvent.held(n), access));
        // A kill goes through a pidfd opened before the notification is found pending: the caller
        // waits in it, so the pidfd is its process's. By number, the sinks having taken their time
        // (an alert written to a stopped terminal), it reached whatever process took the number
        // after the caller's process ended.
        try (Pidfd caller = verdict instanceof Verdict.Kill ? Pidfd.ofProcess(task.tgid()) : null) {
            if (!listener.stillValid(n.id())) {
                return;
            }
            if (!Verdict.enforce(verdict, Verdict.through(caller), errno -> listener.deny(n.id(), errno))) {
                listener.allow(n.id());
            }
        }
    }
}
