package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Seccomp;
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

    /** Highest syscall number the filter decides individually; above it, the default applies. */
    public static final int MAX_SYSNO = 1023;

    private SeccompFilter() {}

    private record Run(int from, int to, FilterAction action) {}

    /** Compiles {@code actions} (index = syscall number; missing or null = ALLOW). */
    public static Program compile(FilterAction[] actions) {
        return compile(actions, Fragment.EMPTY);
    }

    /**
     * Compiles {@code actions} with {@code fragment} (instructions that either return or fall
     * through) placed right after the architecture check.
     */
    public static Program compile(FilterAction[] actions, Fragment fragment) {
        List<Run> runs = runs(actions);
        Assembler a = new Assembler();
        Assembler.Label native64 = a.label();
        Assembler.Label notX32 = a.label();
        a.load(SeccompData.ARCH);
        a.jump(Bpf.Cond.EQ, Seccomp.AUDIT_ARCH_X86_64, native64, null);
        a.ret(Seccomp.RET_ERRNO | Errno.ENOSYS);
        a.bind(native64);
        a.append(fragment);
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.GE, Seccomp.X32_SYSCALL_BIT, null, notX32);
        a.ret(Seccomp.RET_ERRNO | Errno.ENOSYS);
        a.bind(notX32);
        tree(a, runs, 0, runs.size());
        return a.program();
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
    private static void tree(Assembler a, List<Run> runs, int lo, int hi) {
        if (hi - lo == 1) {
            a.ret(runs.get(lo).action().ret());
            return;
        }
        int mid = (lo + hi) >>> 1;
        Assembler.Label left = a.label();
        Assembler.Label right = a.label();
        // if nr >= runs[mid].from: on to the "ja" to the right half; else over it into the left half.
        a.jump(Bpf.Cond.GE, runs.get(mid).from(), null, left);
        a.jumpAlways(right);
        a.bind(left);
        tree(a, runs, lo, mid);
        a.bind(right);
        tree(a, runs, mid, hi);
    }
}
