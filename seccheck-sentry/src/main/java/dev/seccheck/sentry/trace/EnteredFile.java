package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.emulate.ProgramPaths;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sentry.syscalls.ExecArguments;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * EnteredFile is the file an exec call's name reached at the call's enter, before the kernel looked
 * the name up, with the name seccheck gave it then. At the exec event {@code /proc/PID/exe} holds
 * the file the kernel executed, but under the name it has at that moment: the program can tell
 * from its child's {@code /proc/PID/comm} that the kernel has executed the file and rename it out
 * of a denied directory, or link it elsewhere and unlink it, before the exec event, and a rule on
 * the name it has then let it run (red team R2, finding 1). A rule on what runs is therefore
 * decided on the name the file had at the call as well ({@link Reached#named}), provided it is the
 * file the kernel executed, by device and inode ({@link Reached#isFile}); another file there (a
 * symlink flipped, the name rewritten or renamed over between the enter and the kernel's lookup)
 * leaves unknown which name the kernel used, and the exec is killed.
 *
 * <p>Looked at only while a sink decides on what runs, for the file passed (a {@code #!} script's
 * interpreters are found again at the exec event, {@link ExecCalls}). The name is walked as the
 * program resolves it ({@link ProgramPaths}), on the thread that serves the enter (the tracer, or
 * the notifier for a launched command's execve) where that asks no filesystem that may block, else
 * on the bounded helper ({@link FileLooks}). The file is held open (O_PATH) until the exec call is
 * released, so that no other file can take its inode number meanwhile.
 */
sealed interface EnteredFile extends AutoCloseable {

    /** Closes what is held, if anything. */
    @Override
    void close();

    /**
     * The file the name reached at the call's enter.
     *
     * @param fd our O_PATH descriptor of it
     * @param dev its device as stat gives it
     * @param ino its inode number
     * @param named its name then, as {@link RealPath#name} gives it; empty when seccheck could not name it
     */
    record Reached(int fd, long dev, long ino, Optional<RealPath.Name> named) implements EnteredFile {
        /** Whether {@code executed} (the file {@code /proc/PID/exe} holds) is this file. */
        boolean isFile(ExecutedFiles.Found executed) {
            return executed.file().dev() == dev && executed.file().ino() == ino;
        }

        @Override
        public void close() {
            PathCalls.close(fd);
        }
    }

    /** The name reached no file seccheck could hold at the call's enter: {@code why} says what failed. */
    record Unreached(String why) implements EnteredFile {
        @Override
        public void close() {}
    }

    /**
     * Why the binary the kernel executed for {@code call} is not the file the name passed reached
     * at the call's enter ({@link EnteredFile}), or null when it is, or when that was not looked at
     * (a {@code #!} script's interpreter is another file by design: the script is checked at the
     * exec event, {@link ExecCalls#imaged}). Another file means the name was made to reach another
     * between the enter and the kernel's lookup (a symlink flipped, a file renamed over it, the
     * name rewritten by another thread): which name the kernel executed it by cannot be known, and
     * a rule on what runs could be walked around by the one seccheck saw.
     */
    static String changedWhileExecuted(ExecCalls.Pending call, ExecutedFiles.Executed binary) {
        if (!(call.enteredBinary() instanceof EnteredFile.Reached then) || !(binary instanceof ExecutedFiles.Found ran)
                || then.isFile(ran)) {
            return null;
        }
        String was = then.named().map(RealPath.Name::path).orElse("a file seccheck cannot name");
        String is = ran.named().map(RealPath.Name::path).orElse("a file seccheck cannot name");
        return "the binary changed while it was executed: the name it passed (" + call.args().pathname()
                + ") reached " + was + " (inode " + then.ino() + ") at the call, and the kernel executed " + is
                + " (inode " + ran.file().ino() + "); which name the kernel executed it by cannot be known";
    }

    /** This thread's buffers for the file calls, and its naming of files from seccheck's root. */
    ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);
    ThreadLocal<RealPath> NAMES = ThreadLocal.withInitial(() -> new RealPath(CALLS.get()));

    /**
     * The file the exec call {@code args} of task {@code tid} (of process {@code tgid}) names, at
     * the call's enter: reached as the program resolves the name, from its root, cwd or dirfd.
     */
    static EnteredFile of(int tid, int tgid, ExecArguments args, FileLooks looks) {
        String path = args.pathname();
        if (path == null) {
            return new Unreached("the name passed to the exec call could not be read at its enter");
        }
        int dirfd = args.throughDescriptor() ? args.dirfd() : Fcntl.AT_FDCWD;
        int fd = ExecCalls.PATHS.get().open(tid, tgid, dirfd, path, true);
        if (fd == ProgramPaths.ELSEWHERE) {
            fd = elsewhere(tid, tgid, dirfd, path, looks);
        }
        if (fd < 0) {
            return new Unreached(fd == ProgramPaths.ELSEWHERE
                    ? "the name passed to the exec call could not be looked up at its enter: its filesystem did not"
                            + " answer in time"
                    : "the name passed to the exec call reached no file at its enter (" + Errno.name(-fd) + ")");
        }
        PathCalls.Stat st = CALLS.get().fstat(fd);
        if (st == null) {
            PathCalls.close(fd);
            return new Unreached("the file the exec call named could not be looked at at its enter");
        }
        return new Reached(fd, st.dev(), st.ino(), NAMES.get().name(fd, tid));
    }

    /**
     * {@link ProgramPaths#open} walked on the bounded helper; {@link ProgramPaths#ELSEWHERE} when it
     * did not answer in time. A descriptor the helper opens after the caller gave up is closed by
     * whichever of the two comes second, never left open.
     */
    private static int elsewhere(int tid, int tgid, int dirfd, String path, FileLooks looks) {
        AtomicReference<Object> slot = new AtomicReference<>();
        Optional<Integer> opened = looks.lookElsewhere(tid, () -> {
            int fd = ExecCalls.PATHS.get().open(tid, tgid, dirfd, path, false);
            if (fd >= 0 && !slot.compareAndSet(null, fd)) {
                PathCalls.close(fd); // the caller gave up on it
            }
            return fd;
        });
        Object late = slot.getAndSet(GAVE_UP);
        if (opened.isEmpty()) {
            if (late instanceof Integer fd) {
                PathCalls.close(fd);
            }
            return ProgramPaths.ELSEWHERE;
        }
        return opened.get();
    }

    /** What the caller leaves in a helper's slot once it has its answer, or gave up on it. */
    Object GAVE_UP = new Object();
}
