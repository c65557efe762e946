package dev.seccheck.sentry.filter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Program is a complete seccomp filter: a {@link Fragment} that cannot fall off its end (its last
 * instruction returns) and fits the kernel's length limit. {@link #encode} turns it into the
 * kernel's {@code struct sock_filter} array, only when it is installed.
 */
public record Program(List<Bpf.Insn> insns) {

    /** Checks the program is complete and short enough. */
    public Program {
        insns = new Fragment(insns).insns();
        if (insns.isEmpty() || !insns.get(insns.size() - 1).isReturn()) {
            throw new IllegalArgumentException("a seccomp program must end with a return");
        }
        if (insns.size() > Bpf.MAX_INSNS) {
            throw new IllegalArgumentException("seccomp program too long: " + insns.size() + " instructions, the kernel takes "
                    + Bpf.MAX_INSNS);
        }
    }

    /** Returns the number of instructions. */
    public int size() {
        return insns.size();
    }

    /** Returns the program as the kernel takes it: 8-byte {@code sock_filter}s in native (little-endian) order. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Bpf.Insn i : insns) {
            b.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return b.array();
    }
}
