package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;

/**
 * TsyncHold sends to the tracer every seccomp(2) call that installs a filter on all threads of its
 * process (SECCOMP_FILTER_FLAG_TSYNC): the one call by which a thread changes another thread's
 * filters. The tracer lets such a call run to its end before it serves any other stop, so it
 * never runs while a filter layer is being injected into a sibling: a thread that read the
 * layer's probe tags from the page the layer is written into could otherwise install a copy
 * answering the probe in its sibling's place (see {@link LayerProbe}). Part of the run's first
 * filter, fixed at start; the call is rare (sandboxes of multi-threaded programs make it once).
 */
public final class TsyncHold {
    private TsyncHold() {}

    /** SECCOMP_FILTER_FLAG_TSYNC. */
    public static final int FLAG_TSYNC = 1;

    /** Traces seccomp(SECCOMP_SET_MODE_FILTER) with TSYNC; everything else falls through. */
    public static final Fragment FRAGMENT = fragment();

    /** Whether a syscall with these number and first two arguments is such a call (the kernel reads both as 32 bits). */
    public static boolean matches(int nr, long op, long flags) {
        return nr == Sysno.SECCOMP && (int) op == Seccomp.SET_MODE_FILTER && (flags & FLAG_TSYNC) != 0;
    }

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.SECCOMP, null, other);
        a.load(SeccompData.argLow(0));
        a.jump(Bpf.Cond.EQ, Seccomp.SET_MODE_FILTER, null, other);
        a.load(SeccompData.argLow(1));
        a.jump(Bpf.Cond.SET, FLAG_TSYNC, null, other);
        a.ret(TraceTag.RET);
        a.bind(other);
        return a.fragment();
    }
}
