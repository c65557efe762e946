package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;

/**
 * ExecHead is what the kernel reads first of a file an exec reaches, read the way the walk of an
 * exec's names needs it: the file's attributes, its {@code #!} line when it is a script, else the
 * ELF interpreter ({@code PT_INTERP}) its program headers name. One reopen of the walk's O_PATH
 * descriptor and one read of its first kilobyte serve all three for a usual binary (before, the
 * line and the interpreter each reopened the file, and the headers took three reads). The one
 * place where seccheck reads a file an exec names: {@link #scriptOf} for a script's line alone,
 * {@link #reopen} for {@link ExecutedFiles#interpreterOf}.
 *
 * @param stat the file's attributes, null when they could not be read
 * @param line its {@code #!} line, null when it is no script (or no regular file)
 * @param interpreter the ELF interpreter it names; empty when it names none, is no ELF64 file or
 *     its headers could not be read
 */
record ExecHead(PathCalls.Stat stat, ShebangLine.Line line, String interpreter) {

    /** Bytes read at once: the {@code #!} line's 256, and the ELF header and program headers of most binaries. */
    private static final int READ = 1024;

    /** Reads the head of the regular file behind our O_PATH descriptor {@code opath}. */
    static ExecHead of(PathCalls calls, int opath) {
        return read(calls, opath, true);
    }

    /**
     * {@link #of} without the interpreter, for a name a script's line leads to: its attributes
     * and its {@code #!} line (null when it is no regular file the kernel runs as a script,
     * {@link ShebangLine}, or cannot be read).
     */
    static ExecHead scriptOf(PathCalls calls, int opath) {
        return read(calls, opath, false);
    }

    /**
     * Our readable descriptor of the file behind our O_PATH descriptor {@code opath}, or -errno:
     * reopened through /proc/self/fd, which opens that very file, never waiting (O_NONBLOCK) and
     * taking no terminal.
     */
    static int reopen(PathCalls calls, int opath) {
        return calls.openat(Fcntl.AT_FDCWD, "/proc/self/fd/" + opath,
                Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_NOCTTY | Fcntl.O_CLOEXEC);
    }

    private static ExecHead read(PathCalls calls, int opath, boolean interpreter) {
        PathCalls.Stat st = calls.fstat(opath);
        if (st == null || !st.isRegular()) {
            return new ExecHead(st, null, ""); // the kernel's exec fails on it; nothing to read
        }
        int fd = reopen(calls, opath);
        if (fd < 0) {
            return new ExecHead(st, null, "");
        }
        try {
            byte[] head = new byte[READ];
            int n = Math.max(0, calls.pread(fd, head, 0));
            ShebangLine.Line line = n < 2 ? null : ShebangLine.line(head, Math.min(n, ShebangLine.HEAD));
            String interp = line != null || !interpreter ? ""
                    : ExecutedFiles.interpreterIn(calls, fd, head, n).orElse("");
            return new ExecHead(st, line, interp);
        } finally {
            PathCalls.close(fd);
        }
    }
}
