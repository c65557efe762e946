package dev.seccheck.linux;

import dev.seccheck.abi.Signal;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * Signals binds kill(2) and isatty(3). Its signal constants are those of
 * {@link dev.seccheck.abi.Signal}, kept under their old names for callers not yet switched to it.
 */
public final class Signals {
    private Signals() {}

    public static final int SIGHUP = Signal.SIGHUP;
    public static final int SIGINT = Signal.SIGINT;
    public static final int SIGQUIT = Signal.SIGQUIT;
    public static final int SIGTRAP = Signal.SIGTRAP;
    public static final int SIGKILL = Signal.SIGKILL;
    public static final int SIGTERM = Signal.SIGTERM;
    public static final int SIGCHLD = Signal.SIGCHLD;
    public static final int SIGSTOP = Signal.SIGSTOP;
    public static final int SIGTSTP = Signal.SIGTSTP;
    public static final int SIGTTIN = Signal.SIGTTIN;
    public static final int SIGTTOU = Signal.SIGTTOU;
    public static final int SIGSYS = Signal.SIGSYS;

    private static final MethodHandle KILL =
            Libc.withErrno("kill", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle ISATTY =
            Libc.plain("isatty", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));

    /** Sends {@code sig} to process {@code pid} (negative: a process group). */
    public static void kill(int pid, int sig) throws LinuxException {
        NativeCall.call(slot -> (int) KILL.invokeExact(slot, pid, sig), NativeCall.Restart.NEVER,
                "kill", () -> pid + ", " + Signal.name(sig));
    }

    /** Returns whether {@code fd} is a terminal. */
    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new AssertionError("isatty(" + fd + ")", t);
        }
    }
}
