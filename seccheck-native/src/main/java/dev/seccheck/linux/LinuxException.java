package dev.seccheck.linux;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * LinuxException is a failed system call: it names the call with its key arguments and the errno,
 * e.g. {@code ptrace(PTRACE_GETREGS, 1234): ESRCH (No such process)}.
 */
public class LinuxException extends IOException {
    private static final long serialVersionUID = 1L;

    private static final MethodHandle STRERRORNAME_NP =
            Libc.plain("strerrorname_np", FunctionDescriptor.of(Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle STRERROR =
            Libc.plain("strerror", FunctionDescriptor.of(Libc.C_POINTER, Libc.C_INT));

    private final int errno;

    /** Creates an exception for {@code call} (e.g. {@code "connect(/tmp/x.sock)"}) failing with errno. */
    public LinuxException(String call, int errno) {
        super(call + ": " + describe(errno));
        this.errno = errno;
    }

    /** Returns the errno the call failed with. */
    public int errno() {
        return errno;
    }

    /** Returns e.g. {@code ENOENT (No such file or directory)}. */
    public static String describe(int errno) {
        return name(errno) + " (" + cString(STRERROR, errno, "unknown error") + ")";
    }

    /** Returns the symbolic name of an errno, e.g. {@code ENOENT}, or {@code errno N}. */
    public static String name(int errno) {
        return cString(STRERRORNAME_NP, errno, "errno " + errno);
    }

    private static String cString(MethodHandle fn, int errno, String fallback) {
        try {
            MemorySegment p = (MemorySegment) fn.invokeExact(errno);
            if (p.equals(MemorySegment.NULL)) {
                return fallback;
            }
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new AssertionError("strerror failed", t);
        }
    }
}
