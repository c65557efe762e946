package dev.seccheck.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Signals holds the x86-64 signal numbers the supervisor uses and binds kill(2). */
public final class Signals {
    private Signals() {}

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGTRAP = 5;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGSTOP = 19;
    public static final int SIGTSTP = 20;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;
    public static final int SIGSYS = 31;

    private static final MethodHandle KILL =
            Libc.withErrno("kill", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle ISATTY =
            Libc.plain("isatty", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));

    /** Sends {@code sig} to process {@code pid} (negative: a process group). */
    public static void kill(int pid, int sig) throws LinuxException {
        MemorySegment slot = Libc.errnoSlot();
        int r;
        try {
            r = (int) KILL.invokeExact(slot, pid, sig);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw new LinuxException("kill(" + pid + ", " + sig + ")", Libc.errno(slot));
        }
    }

    /** Returns whether {@code fd} is a terminal. */
    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
