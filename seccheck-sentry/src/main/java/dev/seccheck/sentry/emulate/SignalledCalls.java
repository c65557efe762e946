package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.Procfs;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SignalledCalls tells the tracer what an emulated socket call that a signal interrupted returns,
 * so that it returns what the kernel's own call would. A signal ends a task's wait for seccheck's
 * answer with ERESTARTSYS, whatever seccheck's call had done by then; the kernel then repeats the
 * call (SA_RESTART) or fails it with EINTR. The kernel's own call answers otherwise: a send that
 * had sent part of its data returns that count, an accept that took a connection returns it, and a
 * call on a socket with a timeout (SO_SNDTIMEO, SO_RCVTIMEO) fails with EINTR even under
 * SA_RESTART ({@code sock_intr_errno}). Before, a stream send's repeat sent the same bytes again
 * (the stream corrupt), the task got EINTR for bytes sent, and an accept lost the connection it
 * had taken.
 *
 * <p>Every supervised task is traced, so a signal it is to handle stops it for the tracer first,
 * with the interrupted call's registers: the tracer asks {@link #atSignal} there, and sets the
 * return value it gives. A call that had an effect is made to return {@link #ERESTARTNOINTR}: the
 * kernel repeats it after the handler, SA_RESTART or not, and the repeat is answered with what the
 * first attempt did ({@link Restarts}: taken over, or its result kept). A call that had none keeps
 * ERESTARTSYS, or gets EINTR on a socket with a timeout; it then does nothing more for the task
 * unless a repeat takes it over. Process-wide: a task has one syscall held at a time.
 */
public final class SignalledCalls {

    /** What a held task's syscall returns when a signal ends its wait for the answer. */
    public static final long ERESTARTSYS = -512;
    /** What makes the kernel repeat a syscall after the handler, with or without SA_RESTART. */
    static final long ERESTARTNOINTR = -513;

    /** An emulated call in flight for a task, which can say what a signal ends it with. */
    interface Interruptible {
        /** The syscall it serves. */
        int nr();

        /**
         * Called on the tracer thread while the task is stopped for a signal it handles: settles
         * what the call did, and returns what the task's syscall returns, 0 to leave ERESTARTSYS.
         */
        long atSignal();
    }

    private static final ConcurrentHashMap<Integer, Interruptible> BY_TID = new ConcurrentHashMap<>();

    private SignalledCalls() {}

    /** {@code call} serves task {@code tid} from now on, until {@link #left}. */
    static void entered(int tid, Interruptible call) {
        BY_TID.put(tid, call);
    }

    /** {@code call} no longer serves task {@code tid}. */
    static void left(int tid, Interruptible call) {
        BY_TID.remove(tid, call);
    }

    /** Whether an emulated call serves task {@code tid} now: only then is {@link #atSignal} asked. */
    public static boolean serving(int tid) {
        return BY_TID.containsKey(tid);
    }

    /**
     * What the syscall {@code nr} of task {@code tid}, stopped for signal {@code sig} with
     * ERESTARTSYS as its return value, must return instead; 0 to leave it. Only a signal the task
     * handles interrupts a call natively: an ignored one, or one whose default action is to do
     * nothing, never wakes a task that is not traced.
     */
    public static long atSignal(int tid, int sig, long nr) {
        Interruptible call = BY_TID.get(tid);
        if (call == null || call.nr() != nr || !handled(tid, sig)) {
            return 0;
        }
        return call.atSignal();
    }

    /** Whether task {@code tid} has a handler for {@code sig} (its status's SigCgt). */
    private static boolean handled(int tid, int sig) {
        OptionalLong caught = Procfs.status(tid).map(s -> s.fields().get("SigCgt"))
                .map(h -> OptionalLong.of(Long.parseUnsignedLong(h.trim(), 16))).orElse(OptionalLong.empty());
        return caught.isPresent() && sig >= 1 && sig <= 64 && (caught.getAsLong() & (1L << (sig - 1))) != 0;
    }
}
