package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.emulate.DirectoryChanges;
import dev.seccheck.sentry.filter.TraceTag;
import dev.seccheck.sentry.filter.TsyncHold;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.util.function.Consumer;

/**
 * SyscallStops serves the syscalls a filter layer sends to the tracer (a stop without seccheck's
 * {@link TraceTag} was asked for by the program's own filter: its call fails with ENOSYS, as
 * natively with no tracer): at the seccomp stop it
 * fires the enter points and applies the {@link Verdict} (a denied syscall is skipped by setting
 * its number to -1 and its result to -errno); when exit points want the result it resumes to the
 * syscall's exit stop, where it fires them with the result (an exec call's at its exec event,
 * with none at its exit). Tracer thread only. A record to
 * name its collaborators once; {@code regs} is the tracer thread's scratch register set, reused
 * so that a stop allocates none.
 */
record SyscallStops(TaskTable tasks, SyscallPoints syscalls, FilterLayers layers, TraceeAccess access,
                    TaskLifecycle lifecycle, DirectoryChangeStops directories, ExecNames execNames, Consumer<String> log,
                    Regs regs) {

    /** How long a seccomp call syncing every thread's filters is waited for before its process is killed. */
    static final long SYNC_DEADLINE_MS = 1000;

    SyscallStops(TaskTable tasks, SyscallPoints syscalls, FilterLayers layers, TraceeAccess access, TaskLifecycle lifecycle,
            DirectoryChangeStops directories, ExecNames execNames, Consumer<String> log) {
        this(tasks, syscalls, layers, access, lifecycle, directories, execNames, log, new Regs());
    }

    /** A PTRACE_EVENT_SECCOMP stop: the syscall's enter. */
    /**
     * The seccomp stop of a launched process's exec trap ({@link dev.seccheck.sentry.filter.ExecTrap}):
     * its execve, registered for the exec event ({@link SyscallPoints#launching}) and let go.
     */
    void launching(Tracee t) throws LinuxException {
        Task task = tasks.get(t.tid());
        t.getRegs(regs);
        if (task != null && ExecArguments.isExec(regs.syscallNr())) {
            SyscallEvent ev = new SyscallEvent(t.tid(), regs.syscallNr(), regs.arg(0), regs.arg(1), regs.arg(2),
                    regs.arg(3), regs.arg(4), regs.arg(5), false, 0);
            syscalls.launching(task, ev, access.at(t.tid()));
        }
        t.resume(0);
    }

    void enter(Tracee t) throws LinuxException {
        int tid = t.tid();
        t.getRegs(regs);
        if (!TraceTag.isOurs(t.eventMessage())) {
            notOurs(t);
            return;
        }
        int nr = regs.syscallNr();
        SyscallEvent ev = new SyscallEvent(tid, nr, regs.arg(0), regs.arg(1), regs.arg(2), regs.arg(3), regs.arg(4),
                regs.arg(5), false, 0);
        Task task = tasks.getOrLoad(tid);
        boolean shields = task != null && ExecArguments.isExec(nr) && syscalls.decidesWhatRuns();
        if (shields) {
            // Before the kernel maps anything.
            for (int reader : tasks.execStarted(tid, task.tgid())) {
                log.accept("killed task " + reader + ": its process_vm_readv or process_vm_writev aimed at process "
                        + task.tgid() + ", whose exec a sink decides, did not leave the call in time");
            }
        }
        Verdict v = task == null ? Verdict.ALLOW : Verdict.of(syscalls.fire(task, ev, access));
        boolean reaches = DirectoryChanges.held(nr) || ExecArguments.isExec(nr);
        if (v instanceof Verdict.Allow && reaches && syscalls.holdsReaches()) {
            // After the points, as the kernel's own refusals come after them.
            int refused = task == null ? Errno.EACCES
                    : DirectoryChanges.held(nr) ? directories.atEnter(task, ev, access.stillAt(tid))
                    : execNames.atEnter(task, ev, access.stillAt(tid));
            v = refused == 0 ? v : new Verdict.Deny(refused);
        }
        boolean failed = Verdict.enforce(v, Verdict.stopped(task == null ? 0 : task.tgid()), errno -> {
            regs.origRax(-1);
            regs.rax(-errno);
            t.setRegs(regs);
        });
        if (failed) {
            if (shields) {
                tasks.execDecided(tid); // refused at its enter: nothing new was mapped
            }
            t.cont(0);
            return;
        }
        if (TsyncHold.matches(nr, ev.arg1(), ev.arg2())) {
            syncAllThreads(t, ev, task);
            return;
        }
        if (syscalls.wantsExit(nr)) {
            if (task != null) {
                syscalls.beforeExit(task, ev, access);
            }
            t.awaitExit(ev);
            t.toSyscallExit(0);
        } else {
            t.cont(0);
        }
    }

    /**
     * A seccomp stop a filter of the program's own asked for ({@link TraceTag}): answered as the
     * kernel answers it with no tracer, the call skipped and failing with ENOSYS. It is not
     * reported: it does nothing, and no point of seccheck's asked for it (when a layer of
     * seccheck's traces the call too, the program's newer filter gave the stop its data).
     */
    private void notOurs(Tracee t) throws LinuxException {
        regs.origRax(-1);
        regs.rax(-Errno.ENOSYS);
        t.setRegs(regs);
        t.cont(0);
    }

    /**
     * A seccomp(2) call installing a filter on every thread of its process ({@link TsyncHold}):
     * runs it to its exit stop before any other stop is served, so that it cannot run while a
     * filter layer is injected into a sibling. A call that does not come back within
     * {@link #SYNC_DEADLINE_MS} (its filter read from a page the program's own FUSE server
     * withholds, say) is not waited for longer, holding every other task: its process is killed,
     * and a thread that does not end then either ends supervision.
     */
    private void syncAllThreads(Tracee t, SyscallEvent ev, Task task) throws LinuxException {
        if (syscalls.wantsExit(ev.sysno())) {
            if (task != null) {
                syscalls.beforeExit(task, ev, access);
            }
            t.awaitExit(ev);
        }
        t.toSyscallExit(0);
        WaitStatus st = t.awaitWithin(SYNC_DEADLINE_MS);
        if (st == null) {
            int tgid = task != null ? task.tgid() : t.tid();
            log.accept("task " + t.tid() + " did not return from seccomp(SECCOMP_FILTER_FLAG_TSYNC) within "
                    + SYNC_DEADLINE_MS + " ms; killing its process " + tgid + ", which holds the run's other tasks");
            Signals.kill(tgid, Signal.SIGKILL);
            st = t.awaitWithin(SYNC_DEADLINE_MS);
            if (st == null) {
                // A thread SIGKILL cannot end: supervision ends, which kills every task of the run.
                throw new IllegalStateException("task " + t.tid() + " did not end within " + SYNC_DEADLINE_MS
                        + " ms of SIGKILL, in seccomp(SECCOMP_FILTER_FLAG_TSYNC)");
            }
        }
        if (st instanceof WaitStatus.Stopped s && s.event() == 0 && s.syscallStop()) {
            exit(t);
        } else {
            throw new Injector.TaskEnded(st); // its end, served by the tracer's loop as any other
        }
    }

    /** A syscall-exit stop: fires the exit points of the syscall entered, with its result. */
    void exit(Tracee t) throws LinuxException {
        SyscallEvent enter = t.takeAwaitedExit();
        if (enter != null) {
            t.getRegs(regs);
            exited(t.tid(), enter, regs.rax());
        }
        layers.injectIfNeeded(t);
        t.cont(0);
    }

    /**
     * An exec event stop. An exec event means the exec call succeeded: it returns 0, so when its
     * exit points wait for it they fire here and the thread goes on with no stop at the call's
     * exit (one ptrace stop fewer per exec; a failed exec has no event and keeps its exit stop).
     * A thread that lacks a filter layer still goes to the exit stop: injecting here would not be
     * safe, as the kernel writes the call's result over the registers after this stop.
     */
    void executed(Tracee t) throws LinuxException {
        if (!t.awaitsExit() || t.needsLayer()) {
            t.resume(0);
            return;
        }
        exited(t.tid(), t.takeAwaitedExit(), 0);
        t.cont(0);
    }

    /** Fires the exit points of {@code enter} with {@code result}, then what the lifecycle left for after them. */
    private void exited(int tid, SyscallEvent enter, long result) throws LinuxException {
        Task task = tasks.getOrLoad(tid);
        int nr = enter.sysno();
        if (task != null) {
            if (DirectoryChanges.held(nr) && syscalls.holdsReaches()) {
                directories.atExit(tid, task.tgid(), nr, result); // before the points: they report where it is
            }
            if (SyscallPoints.isCwdChanger(nr)) {
                lifecycle.contextChanged(task); // the cwd sentry/task_exit keeps; live points read it
                // from /proc, as a CLONE_FS sibling's chdir or a rename changes it too
            } else if (SyscallPoints.isCredentialChanger(nr)) {
                tasks.invalidateCredentials(tid);
                lifecycle.contextChanged(task);
            } else if (nr == Sysno.PRCTL && (int) enter.arg(1) == SyscallPoints.PR_SET_NAME && result == 0) {
                tasks.renamed(tid); // before, every later point kept the name of the exec
            }
            Task caller = lifecycle.execCaller(tid);
            Task current = caller != null ? caller : tasks.get(tid);
            Verdict.enforceAfter(Verdict.of(syscalls.fire(current != null ? current : task, enter.exited(result), access)),
                    Verdict.stopped(task.tgid()));
        }
        lifecycle.afterExit(tid, nr);
    }
}
