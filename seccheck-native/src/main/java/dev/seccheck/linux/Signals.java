package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.function.LongSupplier;

/**
 * Signals binds kill(2), isatty(3), the way out by a signal, and a signal that interrupts a
 * blocking call of one thread ({@link #interruptWith}, {@link #unblockedDuring}); signal numbers
 * are {@link dev.seccheck.abi.Signal}'s.
 */
public final class Signals {
    private Signals() {}

    /**
     * The signal seccheck interrupts its own blocking calls with ({@link #interruptWith}): the
     * tracer's wait for a stop, a connect or send performed for a call no longer awaited. A
     * real-time one no one else in this JVM uses (glibc keeps 32 and 33, the JDK's NIO takes
     * SIGRTMAX-2 to interrupt blocking I/O, HotSpot none); blocked in every thread of seccheck's
     * but around such a call.
     */
    public static final int INTERRUPT = Signal.SECCHECK_INTERRUPT;

    private static final Libc.Function SIGNAL = Libc.function("signal");
    private static final int RLIMIT_CORE = 4;
    /** The signals whose default action dumps core: QUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS. */
    private static final long CORE_SIGNALS = bits(3, 4, 5, 6, 7, 8, 11, 24, 25, 31);
    private static final Libc.Function ISATTY = Libc.function("isatty");

    /** Sends {@code sig} to process {@code pid} (negative: a process group). */
    public static void kill(int pid, int sig) throws LinuxException {
        NativeCall.call(slot -> Libc.syscall(slot, Sysno.KILL, pid, sig), NativeCall.Restart.NEVER,
                "kill", () -> pid + ", " + Signal.name(sig));
    }

    /**
     * Ends this process by {@code sig}'s default action, so that whoever waits for it (a shell)
     * sees it killed by that signal: the handler the JVM or seccheck set is replaced by the
     * default, a core dump (of the JVM, not worth gigabytes) is turned off for the signals that
     * would make one, and the signal is sent to this process. Returns only if it did not end the
     * process within a second (a signal whose default action is not to end it).
     */
    public static void dieBy(int sig) {
        try (Arena arena = Arena.ofConfined()) {
            if ((CORE_SIGNALS & (1L << (sig - 1))) != 0) {
                MemorySegment none = arena.allocate(16, 8); // struct rlimit {0, 0}
                NativeCall.call(slot -> Libc.syscall(slot, Sysno.SETRLIMIT, RLIMIT_CORE, none.address()), NativeCall.Restart.NEVER,
                        "setrlimit", () -> "RLIMIT_CORE, 0");
            }
            setAction(sig, SIG_DFL);
            kill((int) ProcessHandle.current().pid(), sig);
            Thread.sleep(1000);
        } catch (LinuxException e) {
            // Left to the caller's exit status.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** rt_sigprocmask(2)'s how: add to the calling thread's blocked set. */
    private static final int SIG_BLOCK = 0;

    /**
     * Blocks {@code sig} in the calling thread, and so in every thread it starts from now on (a
     * thread inherits its creator's mask; HotSpot changes only the signals it needs itself). The
     * process still receives the signal: the kernel delivers it to a thread that does not block it.
     */
    public static void blockInThisThread(int sig) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(Layouts.SIGSET);
            set.set(ValueLayout.JAVA_LONG, 0, 1L << (sig - 1));
            NativeCall.call(slot -> Libc.syscall(slot, Sysno.RT_SIGPROCMASK, SIG_BLOCK, set.address(), 0, 8),
                    NativeCall.Restart.NEVER, "rt_sigprocmask", () -> "SIG_BLOCK, " + Signal.name(sig));
        }
    }

    /** rt_sigprocmask(2)'s other two: take out of the blocked set, and set it whole. */
    private static final int SIG_UNBLOCK = 1;
    private static final int SIG_SETMASK = 2;
    /** The kernel's sigset_t: 64 bits, one per signal. */
    private static final int KERNEL_SIGSET_SIZE = 8;

    /**
     * Two kernel signal sets per thread, for {@link #unblockedDuring}: the one signal it unblocks
     * (at 0) and the mask it restores (at 8). No allocation per call: a connect goes through it.
     */
    private static final ThreadLocal<MemorySegment> MASKS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2L * KERNEL_SIGSET_SIZE, 8));

    /**
     * Runs {@code call} with {@code sig} unblocked in the calling thread, and then restores the
     * thread's mask as it was: a signal sent to this thread meanwhile interrupts the call, one sent
     * before or after stays pending until the thread unblocks it again. Returns what {@code call}
     * returns.
     */
    public static long unblockedDuring(int sig, LongSupplier call) {
        MemorySegment masks = MASKS.get();
        masks.set(ValueLayout.JAVA_LONG, 0, 1L << (sig - 1));
        long r = Direct.call(Sysno.RT_SIGPROCMASK, SIG_UNBLOCK, masks.address(), masks.address() + KERNEL_SIGSET_SIZE,
                KERNEL_SIGSET_SIZE);
        if (r < 0) {
            throw new IllegalStateException("rt_sigprocmask(SIG_UNBLOCK, " + Signal.name(sig) + "): " + Errno.name((int) -r));
        }
        try {
            return call.getAsLong();
        } finally {
            Direct.call(Sysno.RT_SIGPROCMASK, SIG_SETMASK, masks.address() + KERNEL_SIGSET_SIZE, 0, KERNEL_SIGSET_SIZE);
        }
    }

    /**
     * Per thread, for {@link #blockedDuring}: the one signal it blocks (at 0), the mask it
     * restores (at 8), and a zero timespec (at 16) for the rt_sigtimedwait that takes it. Apart
     * from {@link #MASKS}: {@link #unblockedDuring} may run around it.
     */
    private static final ThreadLocal<MemorySegment> BLOCKING =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2L * KERNEL_SIGSET_SIZE + 16, 8));

    /**
     * Runs {@code call} with {@code sig} blocked in the calling thread; when it returns a negative
     * value, takes a {@code sig} pending for the thread then (rt_sigtimedwait, without waiting)
     * and runs {@code taken} if there was one; then restores the thread's mask as it was. Returns
     * what {@code call} returns. So a signal the kernel raises in this thread for the call (SIGPIPE for a send to a
     * closed peer) is never delivered here: the caller learns of it instead. The wait takes the
     * process's own pending {@code sig} too, when there is one and none is this thread's; a
     * process-wide {@code sig} sent to seccheck from outside lingers only until another thread,
     * which does not block it, takes it.
     */
    public static long blockedDuring(int sig, LongSupplier call, Runnable taken) {
        MemorySegment masks = BLOCKING.get();
        masks.set(ValueLayout.JAVA_LONG, 0, 1L << (sig - 1));
        long r = Direct.call(Sysno.RT_SIGPROCMASK, SIG_BLOCK, masks.address(), masks.address() + KERNEL_SIGSET_SIZE,
                KERNEL_SIGSET_SIZE);
        if (r < 0) {
            throw new IllegalStateException("rt_sigprocmask(SIG_BLOCK, " + Signal.name(sig) + "): " + Errno.name((int) -r));
        }
        try {
            long result = call.getAsLong();
            if (result < 0 && Direct.call(Sysno.RT_SIGTIMEDWAIT, masks.address(), 0, masks.address() + 2 * KERNEL_SIGSET_SIZE,
                    KERNEL_SIGSET_SIZE) == sig) {
                taken.run();
            }
            return result;
        } finally {
            Direct.call(Sysno.RT_SIGPROCMASK, SIG_SETMASK, masks.address() + KERNEL_SIGSET_SIZE, 0, KERNEL_SIGSET_SIZE);
        }
    }

    /** glibc's {@code struct sigaction} on x86-64 (glibc's, not the kernel's: glibc sets the restorer). */
    private static final StructLayout SIGACTION = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("sa_handler"), Layouts.SIGSET.withName("sa_mask"),
            ValueLayout.JAVA_INT.withName("sa_flags"), MemoryLayout.paddingLayout(4),
            ValueLayout.JAVA_LONG.withName("sa_restorer"));
    private static final StructField.OfLong SA_HANDLER =
            StructField.longs(SIGACTION, MemoryLayout.PathElement.groupElement("sa_handler"));
    private static final StructField.OfInt SA_FLAGS =
            StructField.ints(SIGACTION, MemoryLayout.PathElement.groupElement("sa_flags"));
    private static final Libc.Function SIGACTION_FN = Libc.function("sigaction");
    /**
     * The handler {@link #interruptWith} installs: glibc's getpid. A handler must be native (an
     * FFM upcall in a signal handler could run Java code at any instruction of any thread), and
     * this one does nothing a handler could regret: it takes no argument (the signal number in
     * {@code rdi} is ignored, as the x86-64 ABI allows), is async-signal-safe (signal-safety(7)),
     * never fails and so never touches errno, and changes nothing. What matters is that a handler
     * ran: the interrupted call fails with EINTR.
     */
    private static final Libc.Function NOTHING = Libc.function("getpid");

    /**
     * Makes {@code sig}'s handler in this process one that does nothing, without SA_RESTART: a
     * blocking call of a thread that takes {@code sig} fails with EINTR instead of going on (the
     * JVM's own handlers and glibc's signal() set SA_RESTART). Does nothing when that handler is in
     * place already; fails when {@code sig} has another one (the JVM's or a library's: taking it
     * over would break them).
     */
    public static synchronized void interruptWith(int sig) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGACTION);
            sigaction(sig, 0, old.address());
            long handler = SA_HANDLER.get(old);
            if (handler == NOTHING.address().address() && (SA_FLAGS.get(old) & SA_RESTART) == 0) {
                return;
            }
            if (handler != SIG_DFL) {
                throw new IllegalStateException(Signal.name(sig) + " has a handler already (at 0x"
                        + Long.toHexString(handler) + "), which seccheck's would replace");
            }
            MemorySegment action = arena.allocate(SIGACTION); // zeroed: an empty sa_mask, no flags
            SA_HANDLER.set(action, NOTHING.address().address());
            sigaction(sig, action.address(), 0);
        }
    }

    /** sigaction's SA_RESTART, which {@link #interruptWith} leaves out. */
    private static final int SA_RESTART = 0x10000000;

    private static void sigaction(int sig, long action, long old) throws LinuxException {
        NativeCall.call(slot -> Libc.call(slot, SIGACTION_FN, sig, action, old, 0, 0, 0), NativeCall.Restart.NEVER,
                "sigaction", () -> Signal.name(sig));
    }

    /** signal(2)'s SIG_DFL and SIG_IGN, as the handler addresses {@link #setAction} takes. */
    static final long SIG_DFL = 0;
    static final long SIG_IGN = 1;

    /** signal(sig, action) for this process: {@link #SIG_DFL} or {@link #SIG_IGN}. */
    static void setAction(int sig, long action) {
        try {
            Libc.call(Libc.errnoSlot(), SIGNAL, sig, action, 0, 0, 0, 0);
        } catch (Throwable t) {
            throw new AssertionError("signal(" + Signal.name(sig) + ", " + action + ")", t);
        }
    }

    private static long bits(int... signals) {
        long b = 0;
        for (int s : signals) {
            b |= 1L << (s - 1);
        }
        return b;
    }

    /** Returns whether {@code fd} is a terminal. */
    public static boolean isatty(int fd) {
        try {
            return (int) Libc.call(Libc.errnoSlot(), ISATTY, fd, 0, 0, 0, 0, 0) == 1;
        } catch (Throwable t) {
            throw new AssertionError("isatty(" + fd + ")", t);
        }
    }
}
