package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Mman;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.LayerProbe;
import dev.seccheck.sentry.filter.SeccompFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Injector makes a stopped tracee thread run system calls of the supervisor's choosing, to
 * install seccomp filters inside the workload without any helper binary, compiler or second JVM.
 *
 * <p>Why this way: a filter can only be installed by the thread it will govern, and the JVM cannot
 * safely run Java code in a forked child. So the thread is stopped and made to call seccomp(2)
 * itself: its registers are set for the call with the instruction pointer on a {@code syscall}
 * instruction of the process's vDSO (mapped read-only in every process, so nothing is patched
 * and other threads running the same code are unaffected), it single-steps that instruction, and
 * its registers are restored. The filter program goes into a page mapped for the purpose by an
 * injected mmap and unmapped afterwards. At a stop inside an interrupted syscall, restoring the
 * registers lets the kernel restart that syscall as if nothing happened.
 *
 * <p>A thread with syscall user dispatch on (PR_SET_SYSCALL_USER_DISPATCH, as Wine's threads
 * running Windows code have it) would take the injected {@code syscall} for one to dispatch, a
 * SIGSYS, and never make it: the dispatch is turned off while the thread runs injected calls
 * and given back with its registers (Linux 6.4's ptrace requests for it). A posix_spawn child
 * held before its exec has none: dispatch is not inherited.
 *
 * <p>Safe stops: a syscall-exit stop, a signal-delivery stop, an interrupt (PTRACE_EVENT_STOP)
 * stop. Not at a syscall-entry or clone/exec event stop, where the kernel still has to write the
 * pending syscall's result.
 */
final class Injector {

    /** Stops one injected call may meet before it is given up: each is a signal or trap, not progress. */
    private static final int MAX_STOPS = 1000;

    private final ProcessMemory memory;
    private final java.util.List<Integer> deferred = new java.util.ArrayList<>();
    /** The data of the last seccomp stop an injected call made, -1 for none. */
    private long traceData = -1;

    Injector(ProcessMemory memory) {
        this.memory = memory;
    }

    /**
     * Installs a filter layer sending {@code actions} on thread {@code t} of process {@code tgid},
     * stopped at a safe stop, and proves with {@code probe} that it is in the thread's chain (see
     * {@link LayerProbe}); null for no proof, before the program's first instruction, when no
     * filter of the program's own can exist.
     *
     * @throws TaskEnded if the thread ended meanwhile (its registers are left as they are)
     */
    void installFilter(Tracee t, int tgid, FilterAction[] actions, LayerProbe probe) throws LinuxException {
        int tid = t.tid();
        byte[] program = (probe == null ? SeccompFilter.compile(actions)
                : SeccompFilter.compile(actions, probe.fragment())).encode();
        long gadget = syscallInstruction(tgid);
        Regs saved = new Regs();
        t.getRegs(saved);
        deferred.clear();
        Ptrace.SyscallUserDispatch dispatch = t.dispatchOff();
        try {
            long size = (16 + program.length + 4095) & ~4095L;
            long scratch = call(t, saved, gadget, Sysno.MMAP, 0, size, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
            check(scratch, "mmap", tid);
            long r;
            try {
                long filterAddr = scratch + 16;
                memory.write(tid, filterAddr, program);
                memory.write(tid, scratch, Seccomp.fprog(program.length / 8, filterAddr));
                r = call(t, saved, gadget, Sysno.SECCOMP, Seccomp.SET_MODE_FILTER, 0, scratch, 0, 0, 0);
            } catch (LinuxException | RuntimeException e) {
                if (!(e instanceof TaskEnded)) {
                    call(t, saved, gadget, Sysno.MUNMAP, scratch, size, 0, 0, 0, 0);
                }
                throw e;
            }
            call(t, saved, gadget, Sysno.MUNMAP, scratch, size, 0, 0, 0, 0);
            check(r, "seccomp(SECCOMP_SET_MODE_FILTER)", tid);
            if (probe != null) {
                prove(t, saved, gadget, probe);
            }
        } catch (TaskEnded e) {
            throw e; // nothing to restore in a thread that is gone or exiting
        } catch (LinuxException | RuntimeException e) {
            restore(t, tgid, saved, dispatch);
            throw e;
        }
        restore(t, tgid, saved, dispatch);
    }

    /**
     * Makes the thread make the probe's two calls; each must stop in the tracer with its tag as
     * the stop's data, which only the layer just installed can give.
     */
    private void prove(Tracee t, Regs saved, long gadget, LayerProbe probe) throws LinuxException {
        for (int which = 0; which < 2; which++) {
            traceData = -1;
            call(t, saved, gadget, probe.sysno(), probe.key(), which, 0, 0, 0, 0);
            if (traceData != probe.tag(which)) {
                throw new IllegalStateException("seccomp(SECCOMP_SET_MODE_FILTER) injected in " + t.tid()
                        + " answered 0 but installed no filter: the layer's probe "
                        + (traceData < 0 ? "did not stop in the tracer" : "stopped with another filter's data")
                        + " (a seccomp filter of the program's own answers seccomp(2) without running it,"
                        + " or decides " + Sysno.name(probe.sysno()) + " itself)");
            }
        }
    }

    /**
     * Runs one syscall in thread {@code t} of process {@code tgid}, stopped at a safe stop, then
     * restores its registers; returns the raw result (-errno on failure). For a posix_spawn child
     * held before its execve, which shares this process's memory: the {@code syscall} instruction
     * is found in this process's own vDSO and nothing of the child is read, since this process may
     * be sealed (not dumpable) and then the child's memory cannot be read through it.
     */
    long callSharingMemory(Tracee t, int tgid, long nr, long a0, long a1, long a2) throws LinuxException {
        return callSharingMemory(t, tgid, nr, a0, a1, a2, 0);
    }

    /** As {@link #callSharingMemory(Tracee, int, long, long, long, long)}, for a call of four arguments. */
    long callSharingMemory(Tracee t, int tgid, long nr, long a0, long a1, long a2, long a3) throws LinuxException {
        long gadget = syscallInstruction((int) ProcessHandle.current().pid());
        Regs saved = new Regs();
        t.getRegs(saved);
        deferred.clear();
        long r;
        try {
            r = call(t, saved, gadget, nr, a0, a1, a2, a3, 0, 0);
        } catch (TaskEnded e) {
            throw e;
        } catch (LinuxException | RuntimeException e) {
            restore(t, tgid, saved, null);
            throw e;
        }
        restore(t, tgid, saved, null);
        return r;
    }

    private void restore(Tracee t, int tgid, Regs saved, Ptrace.SyscallUserDispatch dispatch) throws LinuxException {
        t.setRegs(saved);
        t.dispatch(dispatch);
        // Signals that arrived while the thread stepped are sent again, now that it is itself.
        for (int sig : deferred) {
            Syscalls.tgkill(tgid, t.tid(), sig);
        }
    }

    private static void check(long r, String what, int tid) throws LinuxException {
        if (r < 0 && r >= -4095) {
            throw new LinuxException(what + " injected in " + tid, (int) -r);
        }
    }

    /**
     * Runs one syscall in the thread, single-stepping the instruction at {@code gadget}; returns
     * rax. Every stop the step can meet is handled: a seccomp stop of an earlier layer (the call
     * runs on), an interrupt or group-stop trap (PTRACE_EVENT_STOP, from a PTRACE_INTERRUPT still
     * pending or a stop signal), another signal (held back, sent again afterwards). The call is
     * done when the thread stands right after the instruction with the step's SIGTRAP; until then
     * it is stepped again from wherever it stopped, which is still before or on the instruction.
     * An end of the thread (its exit event, its death) cannot be stepped past: it is thrown as
     * {@link TaskEnded} for the tracer to dispatch.
     */
    private long call(Tracee t, Regs base, long gadget, long nr, long a0, long a1, long a2, long a3, long a4, long a5)
            throws LinuxException {
        Regs r = base.copy();
        r.rax(nr);
        r.origRax(-1);
        r.arg(0, a0);
        r.arg(1, a1);
        r.arg(2, a2);
        r.arg(3, a3);
        r.arg(4, a4);
        r.arg(5, a5);
        r.rip(gadget);
        t.setRegs(r);
        Regs after = new Regs();
        for (int stops = 0; ; stops++) {
            if (stops > MAX_STOPS) {
                throw new IllegalStateException("injected syscall " + nr + " in " + t.tid() + ": still not done after "
                        + MAX_STOPS + " stops");
            }
            t.singleStep();
            WaitStatus st = t.await();
            if (!(st instanceof WaitStatus.Stopped s) || s.event() == Ptrace.EVENT_EXIT) {
                throw new TaskEnded(st);
            }
            if (s.event() == Ptrace.EVENT_SECCOMP) {
                traceData = t.eventMessage(); // a layer traces the call: step on
                continue;
            }
            if (s.event() == Ptrace.EVENT_STOP) {
                continue; // an interrupt or group-stop trap: step on
            }
            if (s.event() != 0) {
                throw new IllegalStateException("injected syscall " + nr + " in " + t.tid() + ": unexpected stop " + st);
            }
            if (s.signal() == Signal.SIGTRAP && !s.syscallStop()) {
                t.getRegs(after);
                if (after.rip() == gadget + 2) {
                    return after.rax();
                }
            }
            // A signal came first: hold it back, step on.
            deferred.add(s.signal());
        }
    }

    /** The thread ended (or reached its exit event) while running an injected syscall. */
    static final class TaskEnded extends RuntimeException {
        final transient WaitStatus status;

        TaskEnded(WaitStatus status) {
            super("task " + status.tid() + " ended while running an injected syscall: " + status, null, false, false);
            this.status = status;
        }
    }

    /** Returns the address of a {@code syscall} instruction (0f 05) in the process's vDSO. */
    private long syscallInstruction(int tgid) throws LinuxException {
        Mapping vdso;
        try {
            vdso = vdso(Files.readAllLines(Path.of("/proc", Integer.toString(tgid), "maps")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + tgid + "/maps: " + e.getMessage(), e);
        }
        if (vdso == null) {
            throw new IllegalStateException("process " + tgid + " has no vDSO to run injected syscalls from");
        }
        byte[] code = memory.read(tgid, vdso.start(), (int) (vdso.end() - vdso.start()));
        for (int i = 0; i + 1 < code.length; i++) {
            if (code[i] == 0x0f && code[i + 1] == 0x05) {
                return vdso.start() + i;
            }
        }
        throw new IllegalStateException("no syscall instruction in the vDSO of " + tgid);
    }

    /** An address range of a process. */
    record Mapping(long start, long end) {}

    /** The most a vDSO spans: the kernel's is two to four pages. */
    static final long MAX_VDSO = 64 * 1024;

    /**
     * The vDSO among the lines of a {@code /proc/PID/maps}: the kernel's own mapping, whose name
     * field is exactly {@code [vdso]} and whose inode is 0, executable, at most {@link #MAX_VDSO}
     * long; null when there is none. A file the program maps under a name ending in {@code [vdso]}
     * ({@code /tmp/x/[vdso]}: a mapped file is named by its absolute path) is not it: before, the
     * last line merely ending so was taken, which let the program choose the injected call's
     * instruction and the size of the supervisor's read.
     */
    static Mapping vdso(java.util.List<String> maps) {
        for (String line : maps) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length != 6 || !f[5].equals("[vdso]") || !f[4].equals("0") || f[1].length() < 3
                    || f[1].charAt(2) != 'x') {
                continue;
            }
            int dash = f[0].indexOf('-');
            long start = Long.parseUnsignedLong(f[0], 0, dash, 16);
            long end = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
            if (Long.compareUnsigned(start, end) < 0 && end - start <= MAX_VDSO) {
                return new Mapping(start, end);
            }
        }
        return null;
    }
}
