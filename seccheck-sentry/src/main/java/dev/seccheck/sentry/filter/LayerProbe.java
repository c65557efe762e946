package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.Syscalls;

/**
 * LayerProbe is the mark a filter layer injected into a running task carries, by which the
 * supervisor proves the layer is in the task's seccomp chain. The injected seccomp(2) passes
 * through the program's own filters first, and one of those can answer it with 0 without running
 * it: the layer would seem installed, and the session's syscalls would run unchecked.
 *
 * <p>The mark traces a call that ignores its arguments ({@link #sysno}: getpid unless a session
 * holds it) made with a 64-bit {@link #key} and a selector of 0 or 1, and gives
 * the tracer {@link #tag(int) one of two 16-bit tags} as the stop's data. The kernel takes the data
 * of the newest filter that traces a call, so a stop carrying both tags comes from this layer:
 * filters the program installed before could only guess the 32 bits (a task reads no filter's
 * code without CAP_SYS_ADMIN, nor the data of its own trace stops). The layer itself is written
 * into the program's memory for the install, where a sibling thread can read the tags; the one
 * call that could then put a copy in this thread's chain before the probe, a filter installed on
 * every thread, is held by {@link TsyncHold}. Every other call, of that syscall or another, falls
 * through after two instructions.
 */
public record LayerProbe(int sysno, long key, int first, int second) {

    /**
     * The calls a probe can be made of, in the order tried: each ignores its arguments and
     * changes nothing. A probe must use one the run's first filter does not hold for the
     * notifier (a session enabled at start with only its enter point): that hold would outrank
     * the layer's trace.
     */
    private static final int[] CANDIDATES = {Sysno.GETPID, Sysno.GETTID, Sysno.GETPPID, Sysno.GETUID, Sysno.GETGID,
        Sysno.GETEUID, Sysno.GETEGID, Sysno.GETPGRP, Sysno.SCHED_YIELD};

    /** Keeps the tags to the 16 bits of SECCOMP_RET_DATA. */
    public LayerProbe {
        first &= Seccomp.RET_DATA;
        second &= Seccomp.RET_DATA;
    }

    /**
     * The call probes are made of in a run whose first filter holds {@code notified} for the
     * notifier; empty when it holds every candidate.
     */
    public static java.util.OptionalInt syscallOutside(FilterAction[] notified) {
        for (int nr : CANDIDATES) {
            if (nr >= notified.length || notified[nr] != FilterAction.NOTIFY) {
                return java.util.OptionalInt.of(nr);
            }
        }
        return java.util.OptionalInt.empty();
    }

    /**
     * A probe made of {@code sysno}, with a key and tags from the kernel's random pool; neither tag
     * is {@link TraceTag#DATA}, which is public and which seccheck's older layers give too.
     */
    public static LayerProbe fresh(int sysno) throws LinuxException {
        long tags;
        do {
            tags = Syscalls.random64();
        } while ((tags & Seccomp.RET_DATA) == TraceTag.DATA || ((tags >>> 16) & Seccomp.RET_DATA) == TraceTag.DATA);
        return new LayerProbe(sysno, Syscalls.random64(), (int) tags, (int) (tags >>> 16));
    }

    /** The tag the mark gives a probe call with selector {@code which} (0 or 1). */
    public int tag(int which) {
        return which == 0 ? first : second;
    }

    /** The mark: falls through for everything but the two probe calls. */
    public Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        Assembler.Label secondCall = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, sysno, null, other);
        a.load(SeccompData.argLow(0));
        a.jump(Bpf.Cond.EQ, (int) key, null, other);
        a.load(SeccompData.argHigh(0));
        a.jump(Bpf.Cond.EQ, (int) (key >>> 32), null, other);
        a.load(SeccompData.argHigh(1));
        a.jump(Bpf.Cond.EQ, 0, null, other);
        a.load(SeccompData.argLow(1));
        a.jump(Bpf.Cond.EQ, 0, null, secondCall);
        a.ret(Seccomp.RET_TRACE | first);
        a.bind(secondCall);
        a.jump(Bpf.Cond.EQ, 1, null, other);
        a.ret(Seccomp.RET_TRACE | second);
        a.bind(other);
        return a.fragment();
    }
}
