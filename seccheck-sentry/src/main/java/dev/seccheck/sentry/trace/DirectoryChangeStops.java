package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Signals;
import dev.seccheck.sentry.defense.Shielded;
import dev.seccheck.sentry.emulate.DecidedPathFiles;
import dev.seccheck.sentry.emulate.DirectoryChanges;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * DirectoryChangeStops serves, on the tracer, the chdir, fchdir and chroot calls a run holds while
 * seccheck performs its opens ({@link DirectoryChanges}): at the enter the call is decided on the
 * directory it reaches (a walk that needs a filesystem that may not answer goes to the bounded
 * helper of {@link FileLooks}; one that gets no answer in time is refused); at the exit of one that
 * succeeded, the directory the task then has must be the one decided at its enter (or one whose
 * O_PATH open was decided), else the kernel reached another (a second thread rewrote the name or
 * swapped the descriptor in between) and the process is killed: the call cannot be undone, and a
 * working directory below another process's cannot be left to the program.
 */
final class DirectoryChangeStops {

    private final ThreadLocal<DirectoryChanges> changes;
    private final FileLooks looks;
    private final Consumer<String> log;

    /**
     * @param decided the run's record of the objects reached by a decided route
     * @param operators whether a task is out of another's reach
     * @param looks where a walk that may wait on a filesystem is made
     * @param log takes the lines of refusals and kills
     */
    DirectoryChangeStops(DecidedPathFiles decided, Shielded operators, FileLooks looks, Consumer<String> log) {
        int self = (int) ProcessHandle.current().pid();
        Map<Integer, Object> inFlight = new ConcurrentHashMap<>();
        this.changes = ThreadLocal.withInitial(() -> new DirectoryChanges(self, operators, decided, inFlight));
        this.looks = looks;
        this.log = log;
    }

    /** At the enter of {@code ev}, a held call of {@code task}: 0 to let the kernel make it, else the errno to fail it with. */
    int atEnter(Task task, SyscallEvent ev, TaskMemory mem) {
        int nr = ev.sysno();
        int tid = ev.tid();
        int fd = (int) ev.arg(1);
        String path = nr == Sysno.FCHDIR ? null : pathOf(ev, mem);
        int r = changes.get().refusal(tid, task.tgid(), nr, fd, path, true);
        if (r == DirectoryChanges.ELSEWHERE) {
            Optional<Integer> looked = looks.lookElsewhere(tid,
                    () -> changes.get().refusal(tid, task.tgid(), nr, fd, path, false));
            if (looked.isEmpty()) {
                log.accept("refused " + Sysno.name(nr) + " from task " + tid + " (" + Procfs.comm(tid) + "): the"
                        + " filesystem of the directory it names did not answer seccheck in time (EACCES)");
                return Errno.EACCES;
            }
            r = looked.get();
        }
        return r;
    }

    /** The name call {@code ev} passed, or null when it cannot be read whole (the kernel then refuses the call itself). */
    private static String pathOf(SyscallEvent ev, TaskMemory mem) {
        try {
            return mem.readName(ev.arg(1), Fcntl.PATH_MAX);
        } catch (MemoryFault f) {
            return null;
        }
    }

    /**
     * At the exit of held call {@code nr} of task {@code tid} (process {@code tgid}) with
     * {@code result}: kills the process when the call succeeded onto a directory no decision
     * reached.
     */
    void atExit(int tid, int tgid, int nr, long result) {
        if (result != 0) {
            changes.get().forget(tid);
            return;
        }
        String link = "/proc/" + tid + (nr == Sysno.CHROOT ? "/root" : "/cwd");
        if (looks.lookAt(tid, link, () -> changes.get().reachedDecided(tid, nr)).orElse(false)) {
            return;
        }
        log.accept("killed process " + tgid + ": the " + Sysno.name(nr) + " of its task " + tid + " ("
                + Procfs.comm(tid) + ") reached another directory than the one seccheck decided on (a second"
                + " thread changed the name or the descriptor meanwhile), or one it could not look at in time");
        try {
            Signals.kill(tgid, Signal.SIGKILL);
        } catch (LinuxException e) {
            // Gone already: nothing of it runs in that directory.
        }
    }
}
