package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Signal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Signals binds kill(2), isatty(3) and the way out by a signal; signal numbers are
 * {@link dev.seccheck.abi.Signal}'s.
 */
public final class Signals {
    private Signals() {}

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
