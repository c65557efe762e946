package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.sentry.defense.Shielded;
import dev.seccheck.sentry.emulate.DecidedPathFiles;
import dev.seccheck.sentry.emulate.ProgramPaths;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * ExecNames checks, at the enter of execve or execveat while seccheck performs the program's
 * opens, the names the kernel is about to open for the exec: the file passed (by name, or the
 * file of a descriptor for AT_EMPTY_PATH) and, for a {@code #!} script, each interpreter its line
 * names in turn. Each is walked as an open's walk is ({@link ProgramPaths}'s checking walk), and a
 * walk refused there fails the exec with EACCES: red-team round 21 ran a process's deleted binary
 * through its {@code /proc/PID/exe} from outside the run, and read it through its own
 * {@code /proc/self/exe} and memory. Any other failure is left to the kernel, which answers as
 * natively. Tracer thread; a walk that needs a filesystem that may not answer goes to the bounded
 * helper of {@link FileLooks}, and one that gets no answer in time fails the exec.
 */
final class ExecNames {

    /** The longest name the kernel takes, its NUL included; a longer one it refuses itself. */
    private static final int PATH_MAX = 4096;

    /** The kernel runs at most this many scripts for one exec (ELOOP beyond). */
    private static final int MAX_SCRIPTS = 5;

    private final ThreadLocal<ProgramPaths> paths;
    private final ThreadLocal<PathCalls> calls = ThreadLocal.withInitial(PathCalls::new);
    private final FileLooks looks;
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

    /** At the enter of exec call {@code ev} of {@code task}: 0 to let the kernel make it, else the errno to fail it with. */
    int atEnter(Task task, SyscallEvent ev, TaskMemory mem) {
        boolean at = ev.sysno() == Sysno.EXECVEAT;
        int dirfd = at ? (int) ev.arg(1) : Fcntl.AT_FDCWD;
        String path;
        try {
            long addr = ev.arg(at ? 2 : 1);
            path = addr == 0 ? null : mem.readString(addr, PATH_MAX);
        } catch (MemoryFault f) {
            return 0; // the kernel's EFAULT
        }
        boolean emptyPath = at && ((int) ev.arg(5) & Fcntl.AT_EMPTY_PATH) != 0;
        if (path == null || path.length() >= PATH_MAX || path.isEmpty() && !emptyPath) {
            return 0; // the kernel's EFAULT, ENAMETOOLONG or ENOENT
        }
        int tid = ev.tid();
        int r = refusal(tid, task.tgid(), dirfd, path, true);
        if (r == ProgramPaths.ELSEWHERE) {
            Optional<Integer> looked = looks.lookElsewhere(tid, () -> refusal(tid, task.tgid(), dirfd, path, false));
            if (looked.isEmpty()) {
                log.accept("refused " + Sysno.name(ev.sysno()) + " from task " + tid + " (" + Procfs.comm(tid)
                        + "): the filesystem of the file it names did not answer seccheck in time (EACCES)");
                return Errno.EACCES;
            }
            r = looked.get();
        }
        return r;
    }

    /**
     * 0 when every name the exec of {@code path} (relative to {@code dirfd}) leads the kernel to
     * is walked with no refusal, EACCES when one is refused, or {@link ProgramPaths#ELSEWHERE}.
     */
    private int refusal(int tid, int tgid, int dirfd, String path, boolean localOnly) {
        ProgramPaths walk = paths.get();
        PathCalls c = calls.get();
        int fd = walk.open(tid, tgid, dirfd, path, localOnly);
        for (int scripts = MAX_SCRIPTS; ; scripts--) {
            if (fd == ProgramPaths.ELSEWHERE) {
                return fd;
            }
            if (fd < 0) {
                return fd == -Errno.EACCES ? Errno.EACCES : 0;
            }
            ShebangLine.Line line;
            try {
                line = scripts > 0 ? ExecCalls.lineAt(c, fd) : null;
            } finally {
                PathCalls.close(fd);
            }
            if (line == null) {
                return 0;
            }
            // The kernel opens a script's interpreter from the task's root or working directory.
            fd = walk.open(tid, tgid, Fcntl.AT_FDCWD, line.name(), localOnly);
        }
    }
}
