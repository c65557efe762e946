package dev.seccheck.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Regs is a copy of a stopped thread's x86-64 {@code user_regs_struct}, read and written with
 * PTRACE_GETREGS / PTRACE_SETREGS. It is mutable and belongs to the thread that owns the tracee.
 */
public final class Regs {
    private static final int WORDS = (int) (Layouts.USER_REGS.byteSize() / ValueLayout.JAVA_LONG.byteSize());

    // Indexes of the fields used here; the others are kept as read so SETREGS writes them back unchanged.
    private static final int R10 = Layouts.regIndex("r10");
    private static final int R9 = Layouts.regIndex("r9");
    private static final int R8 = Layouts.regIndex("r8");
    private static final int RAX = Layouts.regIndex("rax");
    private static final int RDX = Layouts.regIndex("rdx");
    private static final int RSI = Layouts.regIndex("rsi");
    private static final int RDI = Layouts.regIndex("rdi");
    private static final int ORIG_RAX = Layouts.regIndex("orig_rax");
    private static final int RIP = Layouts.regIndex("rip");
    private static final int RSP = Layouts.regIndex("rsp");

    private final long[] v = new long[WORDS];

    /** Creates a register set of zeros, to be filled by {@link Ptrace#getRegs}. */
    public Regs() {}

    /** Returns a copy. */
    public Regs copy() {
        Regs r = new Regs();
        System.arraycopy(v, 0, r.v, 0, WORDS);
        return r;
    }

    void load(MemorySegment s) {
        MemorySegment.copy(s, ValueLayout.JAVA_LONG, 0, v, 0, WORDS);
    }

    void store(MemorySegment s) {
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_LONG, 0, WORDS);
    }

    /** The syscall number register at a syscall or seccomp stop, all 64 bits as the program set them. */
    public long origRax() { return v[ORIG_RAX]; }
    /**
     * The syscall number as the kernel and seccomp take it: the low 32 bits of {@link #origRax}
     * (x86-64's entry ignores the upper half, so {@code 0x1_00000038} is a clone). Compare this,
     * never the whole register, with a number of {@code Sysno}'s.
     */
    public int syscallNr() { return (int) v[ORIG_RAX]; }
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
