package dev.seccheck.sentry.emulate;

/**
 * DeadTasks is what the tracer tells the emulation of a thread it has just reaped, before it waits
 * for anything else: the calls seccheck still performs for that thread and that the kernel would
 * have undone at its death (a FIFO open waiting for the other end) end now, before the thread's
 * parent can learn of the death ({@link Waits#endOpensOf(int)}). Its attempts are forgotten first
 * ({@link Restarts#forget}, its exec count with them): no repeat of its call will come, and a later thread given
 * its number makes calls of its own.
 */
public final class DeadTasks {
    private DeadTasks() {}

    /** Thread {@code tid} was reaped: ends its FIFO opens, returning once they are undone. */
    public static void reaped(int tid) {
        Restarts.forget(tid, true);
        Waits.ALL.endOpensOf(tid);
    }
}
