package dev.seccheck.sentry.filter;

import java.util.ArrayList;
import java.util.List;

/**
 * Assembler writes seccomp programs with labels instead of counted offsets: jumps name a
 * {@link Label}, bound later to a position, and the relative offsets are computed (and checked
 * against what a conditional jump can reach) when the {@link Fragment} or {@link Program} is
 * made. A label left unbound is an error, except that one bound at the end of a fragment is its
 * fall-through exit.
 */
public final class Assembler {

    /** Label is a position in the program being assembled, bound once with {@link #bind}. */
    public static final class Label {
        private int at = -1;
    }

    /**
     * One instruction whose jump targets may still be labels (null: the next instruction), or
     * one already resolved ({@code resolved}, from an appended fragment).
     */
    private record Pending(int code, Label jt, Label jf, Label ja, int k, Bpf.Insn resolved) {
        Pending(int code, Label jt, Label jf, Label ja, int k) {
            this(code, jt, jf, ja, k, null);
        }
    }

    private final List<Pending> pending = new ArrayList<>();

    /** Returns a new, unbound label. */
    public Label label() {
        return new Label();
    }

    /** Binds {@code l} to the position of the next instruction emitted. */
    public Assembler bind(Label l) {
        if (l.at >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        l.at = pending.size();
        return this;
    }

    /** {@code A = seccomp_data[offset]}: see {@link SeccompData} for the offsets. */
    public Assembler load(int offset) {
        if (offset < 0 || offset + 4 > SeccompData.SIZE || (offset & 3) != 0) {
            throw new IllegalArgumentException("no aligned 32-bit word of seccomp_data at offset " + offset);
        }
        pending.add(new Pending(Bpf.LD_W_ABS, null, null, null, offset));
        return this;
    }

    /** Jumps to {@code ifTrue} when the test holds, else to {@code ifFalse}; null means the next instruction. */
    public Assembler jump(Bpf.Cond cond, int k, Label ifTrue, Label ifFalse) {
        pending.add(new Pending(cond.code(), ifTrue, ifFalse, null, k));
        return this;
    }

    /**
     * Jumps to {@code ifSet} when 64-bit argument {@code i} (a pointer) is not zero in either
     * half, else goes on with the next instruction; A then holds the argument's high half.
     */
    public Assembler jumpIfArgSet(int i, Label ifSet) {
        load(SeccompData.argLow(i));
        jump(Bpf.Cond.EQ, 0, null, ifSet);
        load(SeccompData.argHigh(i));
        return jump(Bpf.Cond.EQ, 0, null, ifSet);
    }

    /** Jumps to {@code to} unconditionally (32-bit reach, for targets beyond a conditional jump's). */
    public Assembler jumpAlways(Label to) {
        pending.add(new Pending(Bpf.JMP_JA, null, null, to, 0));
        return this;
    }

    /** {@code return k}: the verdict, e.g. {@code SECCOMP_RET_ALLOW}. */
    public Assembler ret(int k) {
        pending.add(new Pending(Bpf.RET_K, null, null, null, k));
        return this;
    }

    /** Appends a fragment: what falls through it continues with the next instruction emitted. */
    public Assembler append(Fragment f) {
        // Its offsets are relative and its jumps stay inside it, so they hold wherever it lands.
        for (Bpf.Insn in : f.insns()) {
            pending.add(new Pending(in.code(), null, null, null, in.k(), in));
        }
        return this;
    }

    /** Resolves the labels into a fragment (which may fall through at its end). */
    public Fragment fragment() {
        return new Fragment(resolve());
    }

    /** Resolves the labels into a complete program. */
    public Program program() {
        return new Program(resolve());
    }

    private List<Bpf.Insn> resolve() {
        List<Bpf.Insn> out = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            if (p.resolved() != null) {
                out.add(p.resolved());
            } else if (p.code() == Bpf.JMP_JA) {
                out.add(new Bpf.Insn(p.code(), 0, 0, offset(i, p.ja(), Integer.MAX_VALUE)));
            } else if ((p.code() & 0x07) == Bpf.JMP) {
                out.add(new Bpf.Insn(p.code(), offset(i, p.jt(), Bpf.MAX_CONDITIONAL_JUMP),
                        offset(i, p.jf(), Bpf.MAX_CONDITIONAL_JUMP), p.k()));
            } else {
                out.add(new Bpf.Insn(p.code(), 0, 0, p.k()));
            }
        }
        return out;
    }

    private static int offset(int from, Label to, int reach) {
        if (to == null) {
            return 0;
        }
        if (to.at < 0) {
            throw new IllegalStateException("instruction " + from + " jumps to a label never bound");
        }
        int off = to.at - from - 1;
        if (off < 0 || off > reach) {
            throw new IllegalStateException("instruction " + from + " cannot jump to " + to.at + " (offset " + off
                    + ", reach " + reach + ")");
        }
        return off;
    }
}
