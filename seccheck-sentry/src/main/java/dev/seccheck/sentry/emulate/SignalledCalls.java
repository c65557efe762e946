package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Procfs;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SignalledCalls tells the tracer what a held syscall that a signal interrupted returns, so that
 * it returns what the kernel's own call would. A signal ends a task's wait for seccheck's answer
 * with ERESTARTSYS, whatever seccheck had done by then; the kernel then repeats the call
 * (SA_RESTART) or fails it with EINTR. The kernel's own call answers otherwise:
 * <ul>
 *   <li>a call that natively never waits is never interrupted: a kill, a setpriority, an open of a
 *       regular file returns its result, with or without SA_RESTART. Held by seccheck (for a
 *       decision, or performed by it), it failed with EINTR, the kill's signal never sent, the file
 *       created behind an EINTR (a retry then got EEXIST);
 *   <li>a send that had sent part of its data returns that count, an accept that took a connection
 *       returns it, and a call on a socket with a timeout (SO_SNDTIMEO, SO_RCVTIMEO) fails with
 *       EINTR even under SA_RESTART ({@code sock_intr_errno}). Before, a stream send's repeat sent
 *       the same bytes again (the stream corrupt), the task got EINTR for bytes sent, and an
 *       accept lost the connection it had taken.
 * </ul>
 *
 * <p>Every supervised task is traced, so a signal it is to handle stops it for the tracer first,
 * with the interrupted call's registers: the tracer asks {@link #atSignal} there, and sets the
 * return value it gives. A call that had an effect, or that natively would not have been
 * interrupted, is made to return {@link #ERESTARTNOINTR}: the kernel repeats it after the handler,
 * SA_RESTART or not, and the repeat is answered with what the first attempt did ({@link Restarts}:
 * taken over, or its result kept) or, when nothing was done, decided and made anew. A call in a
 * wait the kernel's own would leave on a signal keeps ERESTARTSYS, or gets EINTR on a socket with
 * a timeout; it then does nothing more for the task unless a repeat takes it over.
 *
 * <p>What is natively interruptible is known in two places. A call seccheck performs registers
 * itself ({@link #entered}) and says ({@link Interruptible#atSignal}): a connect or send
 * ({@code BlockingSocketCall}), an accept ({@code InboundConnections}), an open ({@link
 * InterruptibleOpen}: one the notifier's walk found cannot wait, a regular file or a directory on
 * a local filesystem, is repeated; one given to a pool thread because it may wait, a FIFO waiting
 * for its peer, a device, a filesystem that may block, a lease break, keeps ERESTARTSYS until its
 * result is owed). A call held for a decision is answered by {@link #neverInterrupted}, per
 * syscall. Process-wide: a task has one syscall held at a time.
 */
public final class SignalledCalls {

    /** What a held task's syscall returns when a signal ends its wait for the answer. */
    public static final long ERESTARTSYS = -512;
    /** What makes the kernel repeat a syscall after the handler, with or without SA_RESTART. */
    public static final long ERESTARTNOINTR = -513;

    /** fcntl(2)'s commands and ioctl(2)'s requests held for a decision that never wait (see {@link #neverInterrupted}). */
    private static final int F_SETFL = 4;
    private static final int F_SETOWN = 8;
    private static final int F_SETOWN_EX = 15;
    private static final int FIOSETOWN = 0x8901;
    private static final int SIOCSPGRP = 0x8902;
    private static final int FIOASYNC = 0x5452;

    /** An emulated call in flight for a task, which can say what a signal ends it with. */
    interface Interruptible {
        /** The syscall it serves. */
        int nr();

        /**
         * Called on the tracer thread while the task is stopped for a signal it handles: settles
         * what the call did, and returns what the task's syscall returns, 0 to leave ERESTARTSYS.
         */
        long atSignal();

        /**
         * Whether the call is still its task's held one (a registration outlives its call while the
         * task is owed its result); when not, the task's stop is answered as if none were registered.
         */
        default boolean stands() {
            return true;
        }
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

    /** Task {@code tid} is gone: a call still registered for it is owed to no one. */
    public static void gone(int tid) {
        BY_TID.remove(tid);
    }

    /**
     * What the syscall {@code nr} (its arguments {@code args}) of task {@code tid} (of process
     * {@code tgid}), stopped for signal {@code sig} with ERESTARTSYS as its return value, must
     * return instead; 0 to leave it. Only a signal the task handles interrupts a call natively: an
     * ignored one, or one whose default action is to do nothing, never wakes a task that is not
     * traced; one that kills it needs nothing, and a stop repeats the call anyway. A call
     * registered answers for itself. One whose answer was sent as the signal ended its wait may
     * have had it dropped by the kernel ({@link DroppedAnswers}): it is repeated, and the repeat
     * gets that answer. A connect or send being decided is repeated when natively it would not
     * have waited ({@link NonWaitingSocketCalls}).
     */
    public static long atSignal(int tid, int tgid, int sig, long nr, long[] args) {
        boolean answered = Restarts.interruptedAfterAnswer(tid, nr, args);
        Interruptible call = BY_TID.get(tid);
        if (call != null && call.nr() == nr && call.stands()) {
            return handled(tid, sig) ? call.atSignal() : 0;
        }
        if (answered) {
            // Repeated whether or not the signal is handled (without a handler the kernel repeats
            // ERESTARTSYS as well): a next signal's stop then finds no ERESTARTSYS to count again.
            return ERESTARTNOINTR;
        }
        if (!neverInterrupted(nr, args[1]) && !NonWaitingSocketCalls.neverWaits(tid, tgid, nr, args)) {
            return 0;
        }
        return handled(tid, sig) ? ERESTARTNOINTR : 0;
    }

    /**
     * Whether a held call of syscall {@code nr} (second argument {@code arg1}) that no in-flight
     * call registered for is one the kernel's own would not have left on a signal: the calls held
     * for a decision that never wait (signals to one task or a group, pidfd_open, setpgid, the
     * scheduling and priority calls, prlimit64, kcmp, get_robust_list, and fcntl or ioctl setting a
     * file's owner or O_ASYNC), and the socket calls seccheck holds or makes that never wait
     * (socket, bind, listen, setsockopt: a bind under the default session failed with EINTR in
     * 1,653 of 2,000 calls under a 50 us timer, where natively none does). The kernel never leaves
     * one of them with ERESTARTSYS itself, so that return value says the notifier held it and the
     * call was not made or not answered (a CONTINUE that took effect returns the call's own
     * result): repeating it is exactly right, and the repeat is decided again, or gets what the
     * first attempt did ({@link Restarts}: a bind made once, not twice). Other held calls are not
     * listed: process_vm_readv faulting pages, a remote filesystem's rename, a FIFO open waiting for
     * its peer can be interrupted natively too. A bind of a unix socket makes a name in a
     * filesystem, which a remote one could let a signal interrupt: repeated here, as a local one's.
     */
    static boolean neverInterrupted(long nr, long arg1) {
        if (nr != (int) nr) {
            return false; // orig_rax of no syscall (-1 is 0xffffffffffffffff)
        }
        return switch ((int) nr) {
            case Sysno.KILL, Sysno.TKILL, Sysno.TGKILL, Sysno.RT_SIGQUEUEINFO, Sysno.RT_TGSIGQUEUEINFO,
                    Sysno.PIDFD_OPEN, Sysno.SETPGID, Sysno.SETPRIORITY, Sysno.IOPRIO_SET, Sysno.SCHED_SETPARAM,
                    Sysno.SCHED_SETSCHEDULER, Sysno.SCHED_SETAFFINITY, Sysno.SCHED_SETATTR, Sysno.PRLIMIT64,
                    Sysno.KCMP, Sysno.GET_ROBUST_LIST, Sysno.SOCKET, Sysno.BIND, Sysno.LISTEN, Sysno.SETSOCKOPT -> true;
            case Sysno.FCNTL -> (int) arg1 == F_SETOWN || (int) arg1 == F_SETOWN_EX || (int) arg1 == F_SETFL;
            case Sysno.IOCTL -> (int) arg1 == FIOSETOWN || (int) arg1 == SIOCSPGRP || (int) arg1 == FIOASYNC;
            default -> false;
        };
    }

    /** Whether task {@code tid} has a handler for {@code sig} (its status's SigCgt). */
    private static boolean handled(int tid, int sig) {
        OptionalLong caught = Procfs.status(tid).map(s -> s.fields().get("SigCgt"))
                .map(h -> OptionalLong.of(Long.parseUnsignedLong(h.trim(), 16))).orElse(OptionalLong.empty());
        return caught.isPresent() && sig >= 1 && sig <= 64 && (caught.getAsLong() & (1L << (sig - 1))) != 0;
    }
}
