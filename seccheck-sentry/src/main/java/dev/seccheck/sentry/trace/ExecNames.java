package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.sentry.defense.Shielded;
import dev.seccheck.sentry.emulate.DecidedPathFiles;
import dev.seccheck.sentry.emulate.ProgramPaths;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sentry.emulate.TaskLooks;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * ExecNames checks, at the enter of execve or execveat while seccheck performs the program's
 * opens, the names the kernel is about to open for the exec: the file passed (by name, or the
 * file of a descriptor for AT_EMPTY_PATH), for a {@code #!} script each interpreter its line
 * names in turn, and the {@code PT_INTERP} of the ELF binary the chain ends in (the dynamic loader
 * the kernel maps with it). Each is walked as an open's walk is ({@link ProgramPaths}'s checking
 * walk), and a walk refused there fails the exec with EACCES: red-team round 21 ran a process's
 * deleted binary through its {@code /proc/PID/exe} from outside the run, and read it through its
 * own {@code /proc/self/exe} and memory. Any other failure is left to the kernel, which answers as
 * natively. The kernel reads the name again after the walk, so at the exec event the files it
 * executed are checked against the ones the walk reached ({@link #unreached}): the program is
 * killed before its first instruction when another thread rewrote the name in between. Tracer
 * thread; a walk that needs a filesystem that may not answer goes to the bounded helper of
 * {@link FileLooks}, and one that gets no answer in time fails the exec.
 */
final class ExecNames {

    /** The kernel runs at most this many scripts for one exec (ELOOP beyond). */
    private static final int MAX_SCRIPTS = 5;

    private final ThreadLocal<ProgramPaths> paths;
    private final ThreadLocal<PathCalls> calls = ThreadLocal.withInitial(PathCalls::new);
    private final FileLooks looks;
    /** Where a name is looked at with the program's identity rather than seccheck's. */
    private final TaskLooks asTask = new TaskLooks();
    private final Consumer<String> log;

    /**
     * @param decided the run's record of the objects reached by a decided route
     * @param operators whether a task is out of another's reach
     * @param looks where a walk that may wait on a filesystem is made
     * @param log takes the line of an exec refused for want of an answer
     */
    ExecNames(DecidedPathFiles decided, Shielded operators, FileLooks looks, Consumer<String> log) {
        int self = (int) ProcessHandle.current().pid();
        this.paths = ThreadLocal.withInitial(() -> new ProgramPaths(self, operators, decided));
        this.looks = looks;
        this.log = log;
    }

    /**
     * The files a walk of an exec's names reached that the kernel is to map: the binary the chain
     * ends in and its ELF interpreter, each by device and inode; null when not reached. Both null
     * when the walk refused a name or the kernel is to answer the call itself.
     */
    private record Walk(int refusal, PathCalls.Stat binary, PathCalls.Stat interpreter) {}

    private static final Walk REFUSED = new Walk(Errno.EACCES, null, null);
    private static final Walk UNREACHED = new Walk(0, null, null);
    private static final Walk ELSEWHERE = new Walk(ProgramPaths.ELSEWHERE, null, null);

    /** The walk of each thread's exec call let through at its enter, until its exec event (or its next exec call, or its end). */
    private final Map<Integer, Walk> walked = new ConcurrentHashMap<>();

    /** At the enter of exec call {@code ev} of {@code task}: 0 to let the kernel make it, else the errno to fail it with. */
    int atEnter(Task task, SyscallEvent ev, TaskMemory mem) {
        int tid = ev.tid();
        walked.remove(tid);
        boolean at = ev.sysno() == Sysno.EXECVEAT;
        int dirfd = at ? (int) ev.arg(1) : Fcntl.AT_FDCWD;
        String path;
        try {
            long addr = ev.arg(at ? 2 : 1);
            path = addr == 0 ? null : mem.readName(addr, Fcntl.PATH_MAX);
        } catch (MemoryFault f) {
            walked.put(tid, UNREACHED);
            return 0; // the kernel's EFAULT, unless another thread mapped the name meanwhile
        }
        boolean emptyPath = at && ((int) ev.arg(5) & Fcntl.AT_EMPTY_PATH) != 0;
        if (path == null || path.isEmpty() && !emptyPath) {
            walked.put(tid, UNREACHED);
            return 0; // the kernel's EFAULT, ENAMETOOLONG or ENOENT, unless the name changes meanwhile
        }
        Walk w = walk(tid, task.tgid(), dirfd, path, true);
        if (w == ELSEWHERE) {
            Optional<Walk> looked = looks.lookElsewhere(tid, () -> walk(tid, task.tgid(), dirfd, path, false));
            if (looked.isEmpty()) {
                log.accept("refused " + Sysno.name(ev.sysno()) + " from task " + tid + " (" + Procfs.comm(tid)
                        + "): the filesystem of the file it names did not answer seccheck in time (EACCES)");
                return Errno.EACCES;
            }
            w = looked.get();
        }
        if (w.refusal() == 0) {
            walked.put(tid, w);
        }
        return w.refusal();
    }

    /**
     * Whether process {@code pid}, at the exec event of the call its thread {@code former} made,
     * runs just the files the walk at the call's enter reached, or no walk was made for it: the
     * cheap look ({@link ExecutedFiles#runsJust}) that spares an exec that was not raced the
     * look at its files ({@link #unreached}) where nothing else needs them. The walk is forgotten
     * when so.
     */
    boolean runsWhatWasWalked(int pid, int former, ExecutedFiles files) {
        Walk w = walked.get(former);
        if (w == null) {
            return true;
        }
        if (w.binary() == null || !files.runsJust(pid, w.binary(), w.interpreter())) {
            return false;
        }
        walked.remove(former);
        return true;
    }

    /**
     * At the exec event of the thread that made the exec call as {@code former}, now {@code tid}:
     * why the files the kernel executed, {@code binary} and {@code interpreter} (null when it
     * mapped none; see {@link ExecutedFiles}), may not run, or null when they may. Each must be the file the walk
     * of the call's names reached at its enter, or one whose name reaches it now: the kernel took
     * the name from the program's memory after the walk, and a second thread may have rewritten it
     * to one the walk refuses (another process's {@code /proc/PID/exe}), or rewritten the binary's
     * {@code PT_INTERP}. A file replaced by a rename after the walk (an upgrade while a build runs)
     * is reached by its name. Null too when no walk was made for the call (seccheck did not
     * perform the opens at its enter). Tracer thread.
     */
    String unreached(int tid, int former, ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter) {
        Walk w = walked.remove(former);
        if (w == null) {
            return null;
        }
        String why = unreached(tid, "binary", binary, w.binary());
        return why != null || interpreter == null ? why
                : unreached(tid, "ELF interpreter", interpreter, w.interpreter());
    }

    private String unreached(int tid, String which, ExecutedFiles.Executed executed, PathCalls.Stat walkedTo) {
        return switch (executed) {
            case ExecutedFiles.Unknown u -> "its " + which + " cannot be checked against the names seccheck walked at"
                    + " its exec call: " + u.why();
            case ExecutedFiles.Found f when walkedTo != null && walkedTo.dev() == f.file().dev()
                    && walkedTo.ino() == f.file().ino() -> null;
            // On the helper: the name may cross a filesystem the program serves.
            case ExecutedFiles.Found f when looks.lookElsewhere(tid, () -> reachedByName(tid, f)).orElse(false) -> null;
            case ExecutedFiles.Found f -> "the " + which + " the kernel executed is not the file its name reached when"
                    + " seccheck walked it at the exec call's enter, and no name reaches it now (another thread"
                    + " rewrote the name in between, or the file's)";
        };
    }

    /**
     * Whether the file {@code f} process {@code pid} executed has a name that reaches it now, by
     * device and inode: its name from seccheck's root ({@link RealPath}, a mount of the program's
     * own namespace named where seccheck sees its filesystem), or the kernel's name of it walked
     * from the task's root as the program's names are (a file of the program's own overlay, which
     * seccheck cannot name: a binfmt_misc handler registered there). A file deleted, or hidden
     * under a mount since, has none. A file of a memory filesystem only the program's namespace
     * has holds only what the program wrote there through opens seccheck decided, and counts as
     * reached.
     *
     * <p>Both names are followed with the program's identity ({@link TaskLooks}): followed with
     * seccheck's, root's, a raced exec of a program run as another user ran a file through another
     * process's {@code /proc/PID/exe} whose only name lies in a directory the program may not
     * search (49 of 200 execs, {@code OutsideBinariesTest}). The identity is the one the task has
     * after the exec, which is its caller's: the program runs with no_new_privs, so no exec gives it
     * a file owner's ids, nor capabilities beyond the permitted ones it could raise itself.
     */
    private boolean reachedByName(int pid, ExecutedFiles.Found f) {
        RealPath.Name name = f.named().orElse(null);
        if (name != null && name.unlinked()) {
            return false;
        }
        if (name != null && name.programsOwn()) {
            return true;
        }
        return asTask.as(pid, () -> reachedAsTask(pid, f, name) ? 1 : 0) == 1;
    }

    /** {@link #reachedByName}'s look by {@code name} (or null) and by the kernel's name, with the task's identity held. */
    private boolean reachedAsTask(int pid, ExecutedFiles.Found f, RealPath.Name name) {
        PathCalls c = calls.get();
        if (name != null && opens(f, c.openat(Fcntl.AT_FDCWD, name.path(), Fcntl.O_PATH | Fcntl.O_CLOEXEC))) {
            return true;
        }
        // From the root of the file's mount namespace where seccheck's root does not lead to it.
        String kernel = c.readlinkat(Fcntl.AT_FDCWD, "/proc/thread-self/fd/" + f.fd());
        return kernel != null && kernel.startsWith("/") && !kernel.endsWith(" (deleted)")
                && opens(f, paths.get().open(pid, pid, Fcntl.AT_FDCWD, kernel, false));
    }

    /** Whether our fd {@code fd} (closed here; -errno for none) is of the file {@code f}. */
    private boolean opens(ExecutedFiles.Found f, int fd) {
        if (fd < 0) {
            return false;
        }
        try {
            PathCalls.Stat st = calls.get().fstat(fd);
            return st != null && st.dev() == f.file().dev() && st.ino() == f.file().ino();
        } finally {
            PathCalls.close(fd);
        }
    }

    /** The thread is gone: its exec call will not happen. */
    void forget(int tid) {
        walked.remove(tid);
    }

    /**
     * Walks every name the exec of {@code path} (relative to {@code dirfd}) leads the kernel to:
     * the file, each interpreter of a {@code #!} chain, and the ELF interpreter of the binary the
     * chain ends in. {@link #REFUSED} when one is refused, {@link #ELSEWHERE} when {@code localOnly}
     * and one needs a filesystem that may block; else what was reached.
     */
    private Walk walk(int tid, int tgid, int dirfd, String path, boolean localOnly) {
        ProgramPaths walk = paths.get();
        PathCalls c = calls.get();
        int fd = walk.open(tid, tgid, dirfd, path, localOnly);
        for (int scripts = MAX_SCRIPTS; ; scripts--) {
            if (fd < 0) {
                return outcome(fd);
            }
            ShebangLine.Line line;
            PathCalls.Stat binary = null;
            String interpreter = null;
            try {
                ExecHead head = ExecHead.of(c, fd);
                line = scripts > 0 ? head.line() : null;
                if (line == null) {
                    binary = head.stat();
                    interpreter = head.interpreter();
                }
            } finally {
                PathCalls.close(fd);
            }
            if (line == null) {
                if (interpreter.isEmpty()) {
                    return new Walk(0, binary, null);
                }
                // The kernel opens the ELF interpreter from the task's root or working directory.
                int interp = walk.open(tid, tgid, Fcntl.AT_FDCWD, interpreter, localOnly);
                if (interp == ProgramPaths.ELSEWHERE || interp == -Errno.EACCES) {
                    return outcome(interp);
                }
                if (interp < 0) {
                    return new Walk(0, binary, null); // the kernel's own failure, as natively
                }
                try {
                    return new Walk(0, binary, c.fstat(interp));
                } finally {
                    PathCalls.close(interp);
                }
            }
            // The kernel opens a script's interpreter from the task's root or working directory.
            fd = walk.open(tid, tgid, Fcntl.AT_FDCWD, line.name(), localOnly);
        }
    }

    /** What a walk that got no file ({@code fd}, -errno or {@link ProgramPaths#ELSEWHERE}) comes to. */
    private static Walk outcome(int fd) {
        return fd == ProgramPaths.ELSEWHERE ? ELSEWHERE : fd == -Errno.EACCES ? REFUSED : UNREACHED;
    }
}
