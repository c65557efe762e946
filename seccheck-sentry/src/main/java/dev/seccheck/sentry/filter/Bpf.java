package dev.seccheck.sentry.filter;

/**
 * Bpf names the classic BPF instruction codes that seccomp filters use, composed the way the
 * kernel's {@code <linux/bpf_common.h>} composes them (class | size | mode, class | operation |
 * source), so a filter reads as what it does instead of as hexadecimal.
 */
public final class Bpf {
    private Bpf() {}

    /** Instruction class: load into the accumulator. */
    public static final int LD = 0x00;
    /** Instruction class: jump. */
    public static final int JMP = 0x05;
    /** Instruction class: return from the program. */
    public static final int RET = 0x06;
    /** Size: 32-bit word (the only load size seccomp allows on seccomp_data). */
    public static final int W = 0x00;
    /** Mode: absolute offset into the input (struct seccomp_data). */
    public static final int ABS = 0x20;
    /** Jump operation: always. */
    public static final int JA = 0x00;
    /** Jump operation: accumulator == k. */
    public static final int JEQ = 0x10;
    /** Jump operation: accumulator > k (unsigned). */
    public static final int JGT = 0x20;
    /** Jump operation: accumulator >= k (unsigned). */
    public static final int JGE = 0x30;
    /** Jump operation: accumulator & k != 0. */
    public static final int JSET = 0x40;
    /** Source: the constant k. */
    public static final int K = 0x00;

    /** {@code A = seccomp_data[k]} (32 bits). */
    public static final int LD_W_ABS = LD | W | ABS;
    /** {@code pc += k}. */
    public static final int JMP_JA = JMP | JA;
    /** {@code pc += (A == k) ? jt : jf}. */
    public static final int JMP_JEQ_K = JMP | JEQ | K;
    /** {@code pc += (A > k) ? jt : jf}. */
    public static final int JMP_JGT_K = JMP | JGT | K;
    /** {@code pc += (A >= k) ? jt : jf}. */
    public static final int JMP_JGE_K = JMP | JGE | K;
    /** {@code pc += (A & k) != 0 ? jt : jf}. */
    public static final int JMP_JSET_K = JMP | JSET | K;
    /** {@code return k}. */
    public static final int RET_K = RET | K;

    /** The kernel's limit on a filter's length (BPF_MAXINSNS). */
    public static final int MAX_INSNS = 4096;
    /** How far a conditional jump reaches: jt and jf are unsigned bytes. */
    public static final int MAX_CONDITIONAL_JUMP = 255;

    /** Cond is the test of a conditional jump against a constant. */
    public enum Cond {
        /** Equal. */
        EQ(JMP_JEQ_K),
        /** Unsigned greater than. */
        GT(JMP_JGT_K),
        /** Unsigned greater than or equal. */
        GE(JMP_JGE_K),
        /** Any bit of the constant set. */
        SET(JMP_JSET_K);

        private final int code;

        Cond(int code) {
            this.code = code;
        }

        /** Returns the instruction code of this jump. */
        public int code() {
            return code;
        }
    }

    /**
     * Insn is one resolved instruction, as the kernel's {@code struct sock_filter}: jumps are
     * relative to the next instruction.
     */
    public record Insn(int code, int jt, int jf, int k) {
        /** Checks the fields fit their C types (u16 code, u8 jt and jf). */
        public Insn {
            if ((code & ~0xffff) != 0 || (jt & ~0xff) != 0 || (jf & ~0xff) != 0) {
                throw new IllegalArgumentException("instruction out of range: code=" + code + " jt=" + jt + " jf=" + jf);
            }
        }

        /** Returns whether this instruction can transfer control anywhere but the next one. */
        public boolean isJump() {
            return (code & 0x07) == JMP;
        }

        /** Returns whether this instruction ends the program. */
        public boolean isReturn() {
            return (code & 0x07) == RET;
        }
    }
}
