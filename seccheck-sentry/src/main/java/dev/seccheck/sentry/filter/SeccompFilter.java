package dev.seccheck.sentry.filter;

import dev.seccheck.linux.Errno;
import dev.seccheck.linux.Seccomp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * SeccompFilter compiles a per-syscall-number decision into a classic BPF program for seccomp.
 *
 * <p>Layout: check the architecture (anything but x86-64, and the x32 ABI, fails with ENOSYS so
 * that a 32-bit {@code int 0x80} cannot slip past the checks); then a balanced binary search over
 * the syscall number, where runs of consecutive numbers with the same action are one leaf. Every
 * branch is a {@code jge} followed by an unconditional {@code ja}, so subtrees of any size can be
 * jumped over (conditional jumps only reach 255 instructions). A syscall costs about
 * log2(runs) comparisons.
 */
public final class SeccompFilter {

    private static final int LD_W_ABS = 0x20;
    private static final int JMP_JEQ_K = 0x15;
    private static final int JMP_JGE_K = 0x35;
    private static final int JMP_JA = 0x05;
    private static final int RET_K = 0x06;

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;

    /** Highest syscall number the filter decides individually; above it, the default applies. */
    public static final int MAX_SYSNO = 1023;

    private SeccompFilter() {}

    private record Run(int from, int to, FilterAction action) {}

    /**
     * Compiles {@code actions} (index = syscall number; missing or null = ALLOW).
     *
     * @return the program as an array of 8-byte {@code sock_filter}s
     */
    public static byte[] compile(FilterAction[] actions) {
        return compile(actions, new byte[0]);
    }

    /**
     * Compiles {@code actions} with {@code fragment} (instructions that either return or fall
     * through) placed right after the architecture check.
     */
    public static byte[] compile(FilterAction[] actions, byte[] fragment) {
        List<Run> runs = runs(actions);
        Program p = new Program();
        p.emit(LD_W_ABS, 0, 0, OFFSET_ARCH);
        p.emit(JMP_JEQ_K, 1, 0, Seccomp.AUDIT_ARCH_X86_64);
        p.emit(RET_K, 0, 0, Seccomp.RET_ERRNO | Errno.ENOSYS);
        ByteBuffer frag = ByteBuffer.wrap(fragment).order(ByteOrder.LITTLE_ENDIAN);
        while (frag.remaining() >= 8) {
            p.emit(frag.getShort() & 0xffff, frag.get() & 0xff, frag.get() & 0xff, frag.getInt());
        }
        p.emit(LD_W_ABS, 0, 0, OFFSET_NR);
        p.emit(JMP_JGE_K, 0, 1, Seccomp.X32_SYSCALL_BIT);
        p.emit(RET_K, 0, 0, Seccomp.RET_ERRNO | Errno.ENOSYS);
        tree(p, runs, 0, runs.size());
        return p.bytes();
    }

    /** Returns whether any syscall gets {@code action}. */
    public static boolean uses(FilterAction[] actions, FilterAction action) {
        for (FilterAction a : actions) {
            if (a == action) {
                return true;
            }
        }
        return false;
    }

    /** Returns a copy of {@code actions} keeping only {@code keep}; every other action becomes ALLOW. */
    public static FilterAction[] only(FilterAction[] actions, FilterAction keep) {
        FilterAction[] out = new FilterAction[actions.length];
        for (int i = 0; i < actions.length; i++) {
            out[i] = actions[i] == keep ? keep : FilterAction.ALLOW;
        }
        return out;
    }

    private static List<Run> runs(FilterAction[] actions) {
        List<Run> runs = new ArrayList<>();
        int from = 0;
        FilterAction current = at(actions, 0);
        for (int nr = 1; nr <= MAX_SYSNO + 1; nr++) {
            FilterAction a = nr <= MAX_SYSNO ? at(actions, nr) : null;
            if (a != current) {
                runs.add(new Run(from, nr - 1, current));
                from = nr;
                current = a;
            }
        }
        // Numbers above MAX_SYSNO (up to the x32 bit, rejected earlier) are allowed.
        Run last = runs.get(runs.size() - 1);
        if (last.action() == FilterAction.ALLOW) {
            runs.set(runs.size() - 1, new Run(last.from(), Integer.MAX_VALUE, FilterAction.ALLOW));
        } else {
            runs.add(new Run(MAX_SYSNO + 1, Integer.MAX_VALUE, FilterAction.ALLOW));
        }
        return runs;
    }

    private static FilterAction at(FilterAction[] actions, int nr) {
        FilterAction a = nr < actions.length ? actions[nr] : null;
        return a == null ? FilterAction.ALLOW : a;
    }

    /** Emits the search over runs[lo, hi): the accumulator holds the syscall number. */
    private static void tree(Program p, List<Run> runs, int lo, int hi) {
        if (hi - lo == 1) {
            p.emit(RET_K, 0, 0, runs.get(lo).action().ret());
            return;
        }
        int mid = (lo + hi) >>> 1;
        // if nr >= runs[mid].from: take the "ja" to the right half; else skip it into the left half.
        p.emit(JMP_JGE_K, 0, 1, runs.get(mid).from());
        int ja = p.emit(JMP_JA, 0, 0, 0);
        tree(p, runs, lo, mid);
        p.patchJump(ja, p.size() - ja - 1);
        tree(p, runs, mid, hi);
    }

    /** Program accumulates sock_filter instructions. */
    private static final class Program {
        private final List<int[]> insns = new ArrayList<>();

        int emit(int code, int jt, int jf, int k) {
            insns.add(new int[] {code, jt, jf, k});
            return insns.size() - 1;
        }

        void patchJump(int index, int offset) {
            insns.get(index)[3] = offset;
        }

        int size() {
            return insns.size();
        }

        byte[] bytes() {
            if (insns.size() > 4096) {
                throw new IllegalStateException("seccomp program too long: " + insns.size() + " instructions");
            }
            ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int[] i : insns) {
                b.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt(i[3]);
            }
            return b.array();
        }
    }

}
