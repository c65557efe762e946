package dev.seccheck.linux;

import dev.seccheck.abi.Signal;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * Signals binds kill(2) and isatty(3); signal numbers are {@link dev.seccheck.abi.Signal}'s.
 */
public final class Signals {
    private Signals() {}

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
