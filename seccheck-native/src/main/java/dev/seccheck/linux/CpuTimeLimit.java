package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * CpuTimeLimit is RLIMIT_CPU ({@code ulimit -t}) as {@code seccheck run} shares it with its
 * program. The kernel counts seccheck's own CPU time against the limit the operator set, and
 * seccheck spends several times the program's CPU time on a trace: it reached the limit first,
 * and at the hard limit the kernel SIGKILLed it, the program with it (PTRACE_O_EXITKILL), with
 * nothing said. With the soft limit equal to the hard one, as {@code ulimit -t N} sets them, no
 * SIGXCPU comes first: the kernel checks the hard limit before the soft one
 * ({@code kernel/time/posix-cpu-timers.c}).
 *
 * <p>So {@link #takeOver} gives seccheck a soft limit of its own, {@link #MARGIN_SECONDS} below
 * the hard one (none when the hard one is unlimited): the kernel sends seccheck SIGXCPU (si_code
 * SI_KERNEL) while there is time left to end the run cleanly. The program gets the operator's
 * limits as they were ({@link #giveTheOperators}), in its held child before it runs anything.
 */
public final class CpuTimeLimit {
    private CpuTimeLimit() {}

    /** RLIMIT_CPU, the resource of a process's CPU time limit, in seconds. */
    private static final int RLIMIT_CPU = 0;
    /** RLIM_INFINITY: all ones. */
    private static final long UNLIMITED = -1L;
    /** The CPU time seccheck keeps, between its SIGXCPU and the kernel's SIGKILL, to end a run. */
    private static final long MARGIN_SECONDS = 1;

    /** The operator's limits in a struct rlimit, once {@link #takeOver} changed this process's; null before. */
    private static volatile MemorySegment operators;

    /**
     * Limits is a soft and a hard CPU time limit in seconds, each -1 for unlimited (RLIM_INFINITY).
     */
    public record Limits(long soft, long hard) {
        /** Whether the soft limit is unlimited: the kernel then never signals for CPU time. */
        public boolean unlimited() {
            return soft == UNLIMITED;
        }

        /** The limits as the ulimit command that sets them: "ulimit -t 4", or "ulimit -St 2 -Ht 10". */
        public String asUlimit() {
            return soft == hard ? "ulimit -t " + seconds(soft) : "ulimit -St " + seconds(soft) + " -Ht " + seconds(hard);
        }

        private static String seconds(long limit) {
            return limit == UNLIMITED ? "unlimited" : Long.toUnsignedString(limit);
        }
    }

    /**
     * Once, before the program is spawned: takes a soft limit for this process that leaves it
     * {@link #MARGIN_SECONDS} before the hard one (none when the hard one is unlimited) and
     * returns the operator's limits as they were. Nothing changes when the soft limit is
     * unlimited, or the hard one leaves no margin.
     *
     * @throws LinuxException if prlimit64 fails
     */
    public static synchronized Limits takeOver() throws LinuxException {
        MemorySegment taken = operators;
        if (taken != null) { // an earlier run in this process (tests) took it over already
            return new Limits(Layouts.RLIM_CUR.get(taken), Layouts.RLIM_MAX.get(taken));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limits = arena.allocate(Layouts.RLIMIT);
            prlimit(0, MemorySegment.NULL, limits);
            Limits operator = new Limits(Layouts.RLIM_CUR.get(limits), Layouts.RLIM_MAX.get(limits));
            if (operator.unlimited()) {
                return operator;
            }
            long own = operator.hard() == UNLIMITED ? UNLIMITED : operator.hard() - MARGIN_SECONDS;
            if (own != operator.soft() && (own == UNLIMITED || own > 0)) {
                MemorySegment kept = Arena.global().allocate(Layouts.RLIMIT);
                kept.copyFrom(limits);
                Layouts.RLIM_CUR.set(limits, own);
                prlimit(0, limits, MemorySegment.NULL);
                operators = kept;
            }
            return operator;
        }
    }

    /**
     * Gives process {@code pid}, a child this process spawned (with a copy of this process's
     * limits), the operator's limits as {@link #takeOver} found them; nothing when it changed none.
     *
     * @throws LinuxException if prlimit64 fails
     */
    public static void giveTheOperators(int pid) throws LinuxException {
        MemorySegment limits = operators;
        if (limits != null) {
            prlimit(pid, limits, MemorySegment.NULL);
        }
    }

    private static void prlimit(int pid, MemorySegment set, MemorySegment old) throws LinuxException {
        long r = Direct.call(Sysno.PRLIMIT64, pid, RLIMIT_CPU, set.address(), old.address());
        if (r < 0) {
            throw new LinuxException("prlimit64(" + pid + ", RLIMIT_CPU" + (set.equals(MemorySegment.NULL) ? ""
                    : ", " + Layouts.RLIM_CUR.get(set) + ":" + Layouts.RLIM_MAX.get(set)) + ")", (int) -r);
        }
    }
}
