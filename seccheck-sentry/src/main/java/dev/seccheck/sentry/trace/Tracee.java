package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tracee is one traced thread as the tracer thread drives it: attach, resume it from a stop
 * (continue, to the syscall's exit, listen), interrupt it, read and write its registers, wait
 * for its next stop, and what it awaits (the exit of a traced syscall, a new filter layer). Only
 * the tracer thread touches a Tracee, so its state needs no locks.
 *
 * <p>Every resume goes through here, so two rules hold everywhere: a thread inside a traced
 * syscall keeps its exit stop whatever stop it is resumed from, and a thread that still lacks
 * the pending filter layer is interrupted again, so its next stop is one where it can get it.
 */
final class Tracee {

    private final int tid;
    private final Ptrace ptrace;
    private final Reaps wait;
    private final Doorbell doorbell;
    private final Tracees owner;
    /** The syscall whose exit stop is awaited, with what was seen at its enter; null for none. */
    private SyscallEvent inSyscall;
    private boolean needsLayer;
    /** How many of the run's runtime filter layers this thread carries (it inherits its creator's count). */
    private int layers;
    /** Left in its group stop by PTRACE_LISTEN: it runs no instruction before its next stop. */
    private boolean listening;

    Tracee(int tid, Ptrace ptrace, Reaps wait, Doorbell doorbell, Tracees owner) {
        this.tid = tid;
        this.ptrace = ptrace;
        this.wait = wait;
        this.doorbell = doorbell;
        this.owner = owner;
    }

    int tid() {
        return tid;
    }

    /**
     * Attaches to the thread (PTRACE_SEIZE) with the run's options; it must not be traced yet. A
     * thread the kernel attaches at its creation gets its creator's options from the kernel.
     */
    void seize() throws LinuxException {
        ptrace.seize(tid, owner.options());
    }

    /** Waits for this thread's next stop or end, whatever else is pending. */
    WaitStatus await() throws LinuxException {
        return wait.waitpid(tid, Wait.WALL).orElseThrow();
    }

    /**
     * Waits at most {@code ms} milliseconds for this thread's next stop or end; null if none
     * came. Polls: the wait for one thread has no timeout of its own.
     */
    WaitStatus awaitWithin(long ms) throws LinuxException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (int polls = 0; ; polls++) {
            Optional<WaitStatus> st = wait.waitpid(tid, Wait.WALL | Wait.WNOHANG);
            if (st.isPresent()) {
                return st.get();
            }
            if (System.nanoTime() - deadline > 0) {
                return null;
            }
            if (polls > 100) {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /** Returns the PTRACE_GETEVENTMSG of the event stop it is in. */
    long eventMessage() throws LinuxException {
        return ptrace.eventMessage(tid);
    }

    /** Returns the siginfo of the signal it is stopped to take (a signal-delivery stop). */
    Ptrace.SignalInfo signalInfo() throws LinuxException {
        return ptrace.signalInfo(tid);
    }

    /** Makes the signal it is stopped to take come from {@code pid} and {@code uid} (a signal-delivery stop). */
    void setSender(int pid, int uid) throws LinuxException {
        ptrace.setSender(tid, pid, uid);
    }

    /**
     * Turns its syscall user dispatch off while it runs injected syscalls, which a dispatch would
     * turn into SIGSYS: the dispatch it had, to give back ({@link #dispatch}), or null when it had
     * none on or the kernel cannot say (older than 6.4: nothing was turned off).
     */
    Ptrace.SyscallUserDispatch dispatchOff() throws LinuxException {
        Ptrace.SyscallUserDispatch had;
        try {
            had = ptrace.syscallUserDispatch(tid);
        } catch (LinuxException e) {
            if (e.errno() == Errno.EIO) {
                return null; // no such request (before 6.4): nothing to turn off
            }
            throw e;
        }
        if (!had.on()) {
            return null;
        }
        ptrace.syscallUserDispatch(tid, Ptrace.SyscallUserDispatch.OFF);
        return had;
    }

    /** Gives back the syscall user dispatch {@link #dispatchOff} turned off (nothing for null). */
    void dispatch(Ptrace.SyscallUserDispatch had) throws LinuxException {
        if (had != null) {
            ptrace.syscallUserDispatch(tid, had);
        }
    }

    void getRegs(Regs into) throws LinuxException {
        ptrace.getRegs(tid, into);
    }

    void setRegs(Regs regs) throws LinuxException {
        ptrace.setRegs(tid, regs);
    }

    /** Resumes from a stop, keeping the pending syscall-exit stop if it is inside a traced syscall. */
    void resume(int signal) throws LinuxException {
        if (inSyscall != null) {
            toSyscallExit(signal);
        } else {
            cont(signal);
        }
    }

    /** Resumes with no further stop asked for (PTRACE_CONT). */
    void cont(int signal) throws LinuxException {
        unpark();
        ptrace.cont(tid, signal);
        reinterruptIfNeeded();
    }

    /** Resumes up to the exit of the syscall it is in (PTRACE_SYSCALL). */
    void toSyscallExit(int signal) throws LinuxException {
        unpark();
        ptrace.syscall(tid, signal);
        reinterruptIfNeeded();
    }

    /** Resumes one instruction (PTRACE_SINGLESTEP), for injected syscalls. */
    void singleStep() throws LinuxException {
        unpark();
        ptrace.singleStep(tid);
    }

    /** Leaves a group-stopped thread stopped but lets its next event be reported (PTRACE_LISTEN). */
    void listen() throws LinuxException {
        ptrace.listen(tid);
        listening = true;
        doorbell.park(tid, true);
    }

    /** Forgets the group stop it was left in, as it runs again or has ended. */
    void unpark() {
        if (listening) {
            listening = false;
            doorbell.park(tid, false);
        }
    }

    /** Asks for a PTRACE_EVENT_STOP at its next chance (PTRACE_INTERRUPT). */
    void interrupt() throws LinuxException {
        ptrace.interrupt(tid);
    }

    /** Records that the exit stop of {@code enter} is awaited. */
    void awaitExit(SyscallEvent enter) {
        inSyscall = enter;
    }

    /** Returns whether the exit stop of a syscall is awaited. */
    boolean awaitsExit() {
        return inSyscall != null;
    }

    /** Returns and forgets the syscall whose exit stop was awaited, or null. */
    SyscallEvent takeAwaitedExit() {
        SyscallEvent e = inSyscall;
        inSyscall = null;
        return e;
    }

    boolean needsLayer() {
        return needsLayer;
    }

    void needsLayer(boolean needs) {
        needsLayer = needs;
    }

    int layers() {
        return layers;
    }

    void layers(int count) {
        layers = count;
    }

    boolean listening() {
        return listening;
    }

    /**
     * A thread still waiting for a filter layer was resumed from a stop where injecting is not
     * safe (or where an earlier interrupt had no effect): interrupt it again.
     */
    private void reinterruptIfNeeded() throws LinuxException {
        if (needsLayer) {
            ptrace.interrupt(tid);
        }
    }
}
