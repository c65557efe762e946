package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalInt;

/**
 * BpfInterpreter runs the assembler's instructions the way the kernel's seccomp runs a classic
 * BPF filter, over a {@link Data} (struct seccomp_data). It knows every instruction the real
 * filters use and fails the test on anything seccomp would reject: an unknown opcode, a load
 * outside seccomp_data or unaligned, a jump out of the program, a backward jump.
 */
public final class BpfInterpreter {
    private BpfInterpreter() {}

    /** Data is the filter's input: struct seccomp_data. */
    public record Data(int nr, int arch, long instructionPointer, long... args) {
        public Data {
            assertThat(args.length).as("seccomp_data has at most six args").isLessThanOrEqualTo(6);
            args = java.util.Arrays.copyOf(args, 6);
        }

        int word(int offset) {
            assertThat(offset % 4).as("aligned load at %d", offset).isZero();
            return switch (offset) {
                case SeccompData.NR -> nr;
                case SeccompData.ARCH -> arch;
                case SeccompData.INSTRUCTION_POINTER_LOW -> (int) instructionPointer;
                case SeccompData.INSTRUCTION_POINTER_HIGH -> (int) (instructionPointer >>> 32);
                default -> {
                    assertThat(offset).as("load inside seccomp_data").isBetween(16, SeccompData.SIZE - 4);
                    long arg = args[(offset - 16) / 8];
                    yield (offset - 16) % 8 == 0 ? (int) arg : (int) (arg >>> 32);
                }
            };
        }
    }

    /** Runs a complete program; returns what it returns. */
    public static int run(Program p, Data d) {
        OptionalInt r = exec(p.insns(), d);
        assertThat(r).as("a program never falls off its end").isPresent();
        return r.getAsInt();
    }

    /** Runs a fragment; empty when it falls through to what would follow it. */
    public static OptionalInt run(Fragment f, Data d) {
        return exec(f.insns(), d);
    }

    private static OptionalInt exec(List<Bpf.Insn> insns, Data d) {
        int acc = 0;
        int pc = 0;
        while (pc < insns.size()) {
            assertThat(pc).as("pc inside program").isGreaterThanOrEqualTo(0);
            Bpf.Insn in = insns.get(pc);
            switch (in.code()) {
                case Bpf.LD_W_ABS -> {
                    acc = d.word(in.k());
                    pc++;
                }
                case Bpf.JMP_JEQ_K -> pc += 1 + (acc == in.k() ? in.jt() : in.jf());
                case Bpf.JMP_JGT_K -> pc += 1 + (Integer.compareUnsigned(acc, in.k()) > 0 ? in.jt() : in.jf());
                case Bpf.JMP_JGE_K -> pc += 1 + (Integer.compareUnsigned(acc, in.k()) >= 0 ? in.jt() : in.jf());
                case Bpf.JMP_JSET_K -> pc += 1 + ((acc & in.k()) != 0 ? in.jt() : in.jf());
                case Bpf.JMP_JA -> {
                    assertThat(in.k()).as("forward jump").isGreaterThanOrEqualTo(0);
                    pc += 1 + in.k();
                }
                case Bpf.RET_K -> {
                    return OptionalInt.of(in.k());
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(in.code()));
            }
        }
        assertThat(pc).as("jump lands at most at the end").isEqualTo(insns.size());
        return OptionalInt.empty();
    }
}
