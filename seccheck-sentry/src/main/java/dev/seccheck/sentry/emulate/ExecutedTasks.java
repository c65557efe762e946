package dev.seccheck.sentry.emulate;

/**
 * ExecutedTasks is what the tracer tells the emulation at an exec event, before the new image runs
 * its first instruction: what seccheck still performs or keeps for the thread group's old threads
 * ends now. An exec by a thread other than the leader takes the leader's number, and the kernel
 * kills the leader without the tracer ever reaping it under that number ({@link DeadTasks} never
 * ran for it): its pending call (a FIFO open waiting for a writer, on a thread of seccheck's) was
 * taken by the new image's first call of the same syscall, path and flags for its repeat, and
 * answered it, decided for the old image; with the exec'ing thread dropped to uid 65534 first,
 * the new image read through the old image's open a FIFO it may not open, or waited for good.
 */
public final class ExecutedTasks {
    private ExecutedTasks() {}

    /**
     * Thread {@code former} executed and is thread {@code tid} (the group's leader number) now:
     * the exec is counted for {@code tid} ({@link Restarts#executed}: a call of the old image served
     * late is no repeat of the new image's), the attempts of both numbers are forgotten
     * ({@link Restarts#forgetEverywhere}, a kept fd closed), their registrations for signals
     * dropped, and their FIFO opens ended, returning once those are undone
     * ({@link Waits#endOpensOf(int)}). The other old threads are ended as they
     * are reaped ({@link DeadTasks}). Tracer thread, at the exec event stop.
     */
    public static void executed(int tid, int former) {
        Restarts.executed(tid);
        ended(tid);
        if (former != tid) {
            ended(former);
        }
    }

    private static void ended(int tid) {
        Restarts.forgetEverywhere(tid); // first: the open ended next finds its attempt superseded, not waiting for a repeat
        SignalledCalls.gone(tid);
        Waits.ALL.endOpensOf(tid);
    }
}
