package dev.seccheck.sentry.trace;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Ptrace;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Regs;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.Wait;
import dev.seccheck.linux.WaitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Injector makes a stopped tracee run system calls of the supervisor's choosing, to install the
 * seccomp filter inside the workload without any helper binary, compiler or second JVM.
 *
 * <p>Why this way: a filter can only be installed by the thread it will govern, and the JVM
 * cannot safely run Java code in a forked child. So the workload is stopped at the exit of its
 * first execve, before its first instruction, and made to call seccomp(2) itself: the filter
 * program is written below its stack pointer, a {@code syscall} instruction is poked over the
 * word at its instruction pointer, the registers are set for the call and the thread single-steps
 * it; then the word and the registers are restored. This filter has no listener: it only sends
 * syscalls with exit points to the tracer (seccomp allows one listener per filter chain, and the
 * one of the spawner's filter serves the enter-only points).
 */
final class Injector {

    /** Distance below the stack pointer where the filter is written: past the 128-byte red zone, inside the stack a fresh exec maps (at least 128 KiB). */
    private static final long SCRATCH_BELOW_SP = 64 * 1024;
    private static final long SYSCALL_INSN = 0x050f; // "syscall" is 0f 05, little-endian

    private final Ptrace ptrace;
    private final Wait wait;
    private final ProcessMemory memory;

    Injector(Ptrace ptrace, Wait wait, ProcessMemory memory) {
        this.ptrace = ptrace;
        this.wait = wait;
        this.memory = memory;
    }

    /** Installs {@code program} in {@code pid}, which must be at a syscall-exit stop. */
    void installFilter(int pid, byte[] program) throws LinuxException {
        Regs saved = new Regs();
        ptrace.getRegs(pid, saved);
        long scratch = (saved.rsp() - SCRATCH_BELOW_SP - program.length - 16) & ~0xfL;
        long filterAddr = scratch + 16;
        memory.write(pid, filterAddr, program);
        memory.write(pid, scratch, Seccomp.fprog(program.length / 8, filterAddr));

        long rip = saved.rip();
        long original = word(memory.read(pid, rip, 8));
        ptrace.pokeData(pid, rip, (original & ~0xffffL) | SYSCALL_INSN);
        try {
            long r = call(pid, saved, rip, Syscalls.SYS_SECCOMP, Seccomp.SET_MODE_FILTER, 0, scratch);
            if (r < 0 && r >= -4095) {
                throw new LinuxException("seccomp(SECCOMP_SET_MODE_FILTER) in pid " + pid, (int) -r);
            }
        } finally {
            ptrace.pokeData(pid, rip, original);
            ptrace.setRegs(pid, saved);
        }
    }

    /** Runs one syscall in the tracee with the injected instruction at {@code rip}; returns rax. */
    private long call(int pid, Regs base, long rip, long nr, long a0, long a1, long a2) throws LinuxException {
        Regs r = base.copy();
        r.rax(nr);
        r.origRax(-1);
        r.arg(0, a0);
        r.arg(1, a1);
        r.arg(2, a2);
        r.rip(rip);
        ptrace.setRegs(pid, r);
        ptrace.singleStep(pid);
        WaitStatus st = wait.waitpid(pid, Wait.WALL).orElseThrow();
        if (!(st instanceof WaitStatus.Stopped s) || s.signal() != Signals.SIGTRAP || s.event() != 0) {
            throw new IllegalStateException("injected syscall " + nr + " in pid " + pid + ": unexpected stop " + st);
        }
        Regs after = new Regs();
        ptrace.getRegs(pid, after);
        return after.rax();
    }

    private static long word(byte[] b) {
        if (b.length < 8) {
            throw new IllegalStateException("short read of text");
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
