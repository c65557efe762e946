package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import java.io.IOException;

/**
 * LinuxException is a failed system call: it names the call with its key arguments and the errno,
 * e.g. {@code ptrace(PTRACE_GETREGS, 1234): ESRCH (No such process)}.
 */
public class LinuxException extends IOException {
    private static final long serialVersionUID = 1L;

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
        return Errno.name(errno) + " (" + Errno.message(errno) + ")";
    }

    /** Returns the symbolic name of an errno, e.g. {@code ENOENT}, or {@code errno N}. */
    public static String name(int errno) {
        return Errno.name(errno);
    }
}
