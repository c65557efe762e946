package dev.seccheck.sentry.filter;

import java.util.ArrayList;
import java.util.List;

/**
 * Fragment is a piece of seccomp program that returns a verdict or falls through to whatever
 * follows it: every jump lands inside the fragment or exactly at its end. That is what makes
 * fragments safe to join and to place in a filter's fragment slot. Built by {@link Assembler}.
 */
public record Fragment(List<Bpf.Insn> insns) {

    /** The fragment with no instruction: everything falls through. */
    public static final Fragment EMPTY = new Fragment(List.of());

    /** Checks that no jump leaves the fragment except to its end. */
    public Fragment {
        insns = List.copyOf(insns);
        for (int i = 0; i < insns.size(); i++) {
            Bpf.Insn in = insns.get(i);
            if (!in.isJump()) {
                continue;
            }
            int[] targets = in.code() == Bpf.JMP_JA ? new int[] {in.k()} : new int[] {in.jt(), in.jf()};
            for (int offset : targets) {
                long to = (long) i + 1 + Integer.toUnsignedLong(offset);
                if (to > insns.size()) {
                    throw new IllegalArgumentException("instruction " + i + " jumps to " + to + ", past the fragment's end "
                            + insns.size());
                }
            }
        }
    }

    /** Returns this fragment followed by {@code next}: what falls through here runs {@code next}. */
    public Fragment then(Fragment next) {
        List<Bpf.Insn> all = new ArrayList<>(insns);
        all.addAll(next.insns());
        return new Fragment(all);
    }

    /** Returns the number of instructions. */
    public int size() {
        return insns.size();
    }
}
