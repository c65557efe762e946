package dev.seccheck.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Regs is a copy of a stopped thread's x86-64 {@code user_regs_struct}, read and written with
 * PTRACE_GETREGS / PTRACE_SETREGS. It is mutable and belongs to the thread that owns the tracee.
 */
public final class Regs {
    /** Size of {@code user_regs_struct} on x86-64. */
    static final int SIZE = 27 * 8;

    // Indexes of the fields used here; the others are kept as read so SETREGS writes them back unchanged.
    private static final int R10 = 7, R9 = 8, R8 = 9, RAX = 10, RDX = 12, RSI = 13, RDI = 14, ORIG_RAX = 15,
            RIP = 16, RSP = 19;

    private final long[] v = new long[27];

    /** Returns a copy. */
    public Regs copy() {
        Regs r = new Regs();
        System.arraycopy(v, 0, r.v, 0, v.length);
        return r;
    }

    void load(MemorySegment s) {
        for (int i = 0; i < v.length; i++) {
            v[i] = s.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
    }

    void store(MemorySegment s) {
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, v[i]);
        }
    }

    /** The syscall number at a syscall or seccomp stop. */
    public long origRax() { return v[ORIG_RAX]; }
    public void origRax(long x) { v[ORIG_RAX] = x; }
    /** The return value at a syscall-exit stop. */
    public long rax() { return v[RAX]; }
    public void rax(long x) { v[RAX] = x; }
    public long rip() { return v[RIP]; }
    public void rip(long x) { v[RIP] = x; }
    public long rsp() { return v[RSP]; }

    /** Returns syscall argument {@code i} (0-based: rdi, rsi, rdx, r10, r8, r9). */
    public long arg(int i) {
        return v[argIndex(i)];
    }

    /** Sets syscall argument {@code i} (0-based). */
    public void arg(int i, long x) {
        v[argIndex(i)] = x;
    }

    private static int argIndex(int i) {
        return switch (i) {
            case 0 -> RDI;
            case 1 -> RSI;
            case 2 -> RDX;
            case 3 -> R10;
            case 4 -> R8;
            case 5 -> R9;
            default -> throw new IllegalArgumentException("syscall argument " + i);
        };
    }

    @Override
    public String toString() {
        return "Regs[orig_rax=" + v[ORIG_RAX] + " rax=" + v[RAX] + " rip=0x" + Long.toHexString(v[RIP]) + "]";
    }
}
