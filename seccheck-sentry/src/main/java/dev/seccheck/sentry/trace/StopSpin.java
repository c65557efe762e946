package dev.seccheck.sentry.trace;

/**
 * StopSpin decides how long the tracer polls for the next stop (waitpid with WNOHANG) before it
 * blocks in waitpid. A tracer that blocks lets its CPU go idle, and on a virtual machine without
 * halt polling the tracee's next stop then has to wake an idle vCPU, and so does the tracer's
 * resume of it: a stop and resume of a getppid loop cost 42-48 us that way against 13 us with
 * the tracer polling (a C tracer, BENCHMARKS.md "Session 10"). Polling burns the tracer's CPU, so
 * it polls only while stops come back quickly: while the average time from waiting to the next
 * stop is under {@link #SHORT_NS}, for twice that average (so under 100 us), at least
 * {@link #MIN_NS}. A program that pauses, sleeps or computes between its stops sees the average
 * rise past it within a few stops, and is waited for by blocking again.
 */
final class StopSpin {

    /** Stops coming back within this on average are polled for. */
    static final long SHORT_NS = 50_000;
    /** The shortest poll: under it a poll would end before a typical stop could come. */
    static final long MIN_NS = 20_000;
    /** Gaps are counted at most this long, so one long pause is forgotten after a few quick stops. */
    private static final long CAP_NS = 1_000_000;

    /** Exponentially weighted average of the last gaps (weight 1/8 each); starts as a long one. */
    private long averageNs = CAP_NS;

    /** How long to poll before blocking now: 0 when the last stops came slowly. */
    long budgetNs() {
        return averageNs >= SHORT_NS ? 0 : Math.max(2 * averageNs, MIN_NS);
    }

    /** Records that the next stop came {@code gapNs} after the tracer started waiting for it. */
    void waited(long gapNs) {
        averageNs += (Math.min(gapNs, CAP_NS) - averageNs) / 8;
    }
}
