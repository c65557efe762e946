package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.Seccomp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The assembler resolves labels into the offsets the kernel expects, and refuses what it cannot encode. */
class AssemblerTest {

    @Test
    void labelsBecomeOffsetsFromTheNextInstruction() {
        Assembler a = new Assembler();
        Assembler.Label yes = a.label();
        Assembler.Label no = a.label();
        a.load(SeccompData.argHigh(1)).jump(Bpf.Cond.GT, 7, yes, no).bind(no).ret(1).bind(yes).ret(2);
        assertThat(a.program().insns()).containsExactly(
                new Bpf.Insn(Bpf.LD_W_ABS, 0, 0, 28),
                new Bpf.Insn(Bpf.JMP_JGT_K, 1, 0, 7),
                new Bpf.Insn(Bpf.RET_K, 0, 0, 1),
                new Bpf.Insn(Bpf.RET_K, 0, 0, 2));
        BpfInterpreter.Data big = new BpfInterpreter.Data(0, 0, 0, 0, 8L << 32);
        assertThat(BpfInterpreter.run(a.program(), big)).isEqualTo(2);
        assertThat(BpfInterpreter.run(a.program(), new BpfInterpreter.Data(0, 0, 0, 0, 7L << 32))).isEqualTo(1);
    }

    @Test
    void encodesSockFiltersLittleEndian() {
        Program p = new Assembler().load(SeccompData.ARCH).ret(Seccomp.RET_ALLOW).program();
        ByteBuffer b = ByteBuffer.wrap(p.encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).isEqualTo(16);
        assertThat(b.getShort()).isEqualTo((short) 0x20);
        assertThat(b.get()).isZero();
        assertThat(b.get()).isZero();
        assertThat(b.getInt()).isEqualTo(4);
        assertThat(b.getShort()).isEqualTo((short) 0x06);
        b.getShort();
        assertThat(b.getInt()).isEqualTo(Seccomp.RET_ALLOW);
    }

    @Test
    void opcodesAreTheKernels() {
        assertThat(List.of(Bpf.LD_W_ABS, Bpf.JMP_JA, Bpf.JMP_JEQ_K, Bpf.JMP_JGT_K, Bpf.JMP_JGE_K, Bpf.JMP_JSET_K, Bpf.RET_K))
                .containsExactly(0x20, 0x05, 0x15, 0x25, 0x35, 0x45, 0x06);
    }

    @Test
    void aConditionalJumpPastItsReachIsRefused() {
        Assembler a = new Assembler();
        Assembler.Label far = a.label();
        a.load(SeccompData.NR).jump(Bpf.Cond.EQ, 1, far, null);
        for (int i = 0; i < 256; i++) {
            a.load(SeccompData.NR);
        }
        a.bind(far).ret(0);
        assertThatThrownBy(a::program).isInstanceOf(IllegalStateException.class).hasMessageContaining("reach 255");
    }

    @Test
    void unboundLabelsAndStrayLoadsAreRefused() {
        Assembler a = new Assembler();
        a.jumpAlways(a.label()).ret(0);
        assertThatThrownBy(a::program).hasMessageContaining("never bound");
        assertThatThrownBy(() -> new Assembler().load(SeccompData.SIZE)).hasMessageContaining("offset 64");
        assertThatThrownBy(() -> SeccompData.argLow(6)).hasMessageContaining("args[6]");
    }

    @Test
    void fragmentsMayOnlyJumpToTheirEnd() {
        assertThatThrownBy(() -> new Fragment(List.of(new Bpf.Insn(Bpf.JMP_JEQ_K, 0, 2, 0))))
                .hasMessageContaining("past the fragment's end");
        assertThatThrownBy(() -> new Program(List.of(new Bpf.Insn(Bpf.LD_W_ABS, 0, 0, 0))))
                .hasMessageContaining("must end with a return");
    }

    @Test
    void anAppendedFragmentFallsThroughToWhatFollows() {
        Assembler inner = new Assembler();
        Assembler.Label out = inner.label();
        inner.load(SeccompData.NR).jump(Bpf.Cond.EQ, 5, null, out).ret(50).bind(out);
        Fragment twice = inner.fragment().then(inner.fragment());
        Program p = new Assembler().ret(0).program();
        Program whole = new Assembler().append(twice).append(new Fragment(p.insns())).program();
        assertThat(BpfInterpreter.run(whole, new BpfInterpreter.Data(5, 0, 0))).isEqualTo(50);
        assertThat(BpfInterpreter.run(whole, new BpfInterpreter.Data(6, 0, 0))).isZero();
    }
}
