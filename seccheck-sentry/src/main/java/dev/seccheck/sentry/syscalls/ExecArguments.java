package dev.seccheck.sentry.syscalls;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.util.List;

/**
 * ExecArguments is what a program passed to execve or execveat, read at the call's enter while
 * its memory still holds it: what the call's syscall points report, and what sentry/execve falls
 * back on where the new program's image cannot be read ({@link ExecImage}). Another thread of the
 * caller can rewrite that memory before the kernel copies it; the image, read after, cannot differ.
 *
 * @param dirfd the directory {@code pathname} is relative to (AT_FDCWD for execve)
 * @param pathname the path as passed, null when unreadable
 * @param flags execveat's flags (0 for execve)
 * @param argvCut why {@code argv} stops short of what was passed, or null when it does not
 * @param envCut the same for {@code envv}
 */
public record ExecArguments(int dirfd, String pathname, List<String> argv, List<String> envv, int flags,
        String argvCut, String envCut) {

    public ExecArguments {
        argv = List.copyOf(argv);
        envv = List.copyOf(envv);
    }

    /** Arguments read whole. */
    public ExecArguments(int dirfd, String pathname, List<String> argv, List<String> envv, int flags) {
        this(dirfd, pathname, argv, envv, flags, null, null);
    }

    /** Returns whether {@code sysno} is execve or execveat. */
    public static boolean isExec(int sysno) {
        return sysno == Sysno.EXECVE || sysno == Sysno.EXECVEAT;
    }

    /**
     * Reads the arguments of the execve or execveat entered in {@code enter} from {@code mem},
     * within the kernel's limits on argv and envp (which the two share, argv first); what cannot be
     * read is left empty, and a vector cut short says why.
     *
     * @throws IllegalArgumentException if {@code enter} is not the enter of execve or execveat
     */
    public static ExecArguments read(SyscallEvent enter, TaskMemory mem) {
        if (!isExec(enter.sysno()) || enter.exit()) {
            throw new IllegalArgumentException("not the enter of execve or execveat: syscall " + enter.sysno()
                    + (enter.exit() ? " (exit)" : ""));
        }
        boolean at = enter.sysno() == Sysno.EXECVEAT;
        int first = at ? 2 : 1;
        String path = null;
        try {
            long addr = enter.arg(first);
            path = addr == 0 ? null : mem.readString(addr, Fcntl.PATH_MAX);
        } catch (MemoryFault e) {
            // an unreadable path: the kernel fails the call with EFAULT
        }
        StringVector.Strings argv = StringVector.read(mem, enter.arg(first + 1));
        StringVector.Strings envv = StringVector.read(mem, enter.arg(first + 2), Abi.EXEC_MAX_ELEMENT,
                Abi.EXEC_MAX_TOTAL - argv.bytes());
        return new ExecArguments(at ? (int) enter.arg(1) : Fcntl.AT_FDCWD, path, argv.strings(), envv.strings(),
                at ? (int) enter.arg(5) : 0, argv.cut(), envv.cut());
    }

    /** Whether the file is named through a descriptor (execveat with a dirfd and a relative or empty path). */
    public boolean throughDescriptor() {
        return dirfd != Fcntl.AT_FDCWD && (pathname == null || !pathname.startsWith("/"));
    }
}
