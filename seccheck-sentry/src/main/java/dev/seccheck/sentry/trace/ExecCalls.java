package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.emulate.ExecutableMoves;
import dev.seccheck.sentry.emulate.ProgramPaths;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.syscalls.ExecImage;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ExecCalls carries what sentry/execve reports from the enter of execve or execveat, where
 * gVisor takes it, to the exec event, where the kernel has replaced the program: the arguments
 * as passed and the task as it was (gVisor's context is the caller's, before the exec). At the
 * exec event it adds what the new program got ({@link ExecImage}) and, for a {@code #!} script,
 * the script (gVisor reports the file passed, not its interpreter). A call that fails leaves its
 * entry until the thread's next exec call or its end. A launched program's execve (the run's first
 * command, a {@code seccheck exec}'s) fires no syscall point but is entered here too
 * ({@link SyscallPoints#launching}), with the new program as its caller ({@link Pending#calledBy}):
 * unlike gVisor, which sends nothing for a container's first process, seccheck decides what that
 * command runs, so a rule on it holds there too. Entries are put by the thread that
 * sees the enter (tracer or notifier) before the exec can happen, and taken by the tracer thread,
 * hence the concurrent map.
 */
final class ExecCalls {

    /**
     * An exec call seen at its enter.
     *
     * @param caller the task that called it, as it was then
     * @param script the {@code #!} script passed, held open with the scripts it led the kernel to
     *     (released with {@link #release}), or the file a binfmt_misc handler was given; null when
     *     the kernel's {@code /proc/PID/exe} is the file passed, when what the name reaches now is
     *     not what the kernel ran ({@code scriptUntold} says why), or before the exec event
     * @param image what the kernel gave the new program, read at the exec event; null before it,
     *     or when sentry/execve was not enabled then
     * @param moves the {@link ExecutableMoves#mark} taken at the enter
     */
    record Pending(Task caller, ExecArguments args, ScriptFile script, String scriptUntold, ExecImage image,
            ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter, long moves) {

        Pending(Task caller, ExecArguments args, ScriptFile script, String scriptUntold, ExecImage image,
                long moves) {
            this(caller, args, script, scriptUntold, image, null, null, moves);
        }

        /** The call as made by {@code task}: a launch's, whose real caller is seccheck's spawner. */
        Pending calledBy(Task task) {
            return new Pending(task, args, script, scriptUntold, image, binary, interpreter, moves);
        }

        /** The call holding the files the kernel executed ({@link ExecutedFiles}), for a sink deciding on what runs. */
        Pending withExecuted(ExecutedFiles.Executed binary, ExecutedFiles.Executed interpreter) {
            return new Pending(caller, args, script, scriptUntold, image, binary, interpreter, moves);
        }

        /** Closes the script and files held, if any: once sentry/execve has fired, or will not. */
        void release() {
            if (script != null) {
                script.close();
            }
            if (binary != null) {
                binary.close();
            }
            if (interpreter != null) {
                interpreter.close();
            }
        }
    }

    private final Map<Integer, Pending> byTid = new ConcurrentHashMap<>();
    /** Where the file passed is looked at: never held by a filesystem the program serves. */
    private final FileLooks looks;
    /** Exec events whose sentry/execve waits for the exit points of the call (tracer thread only). */
    private final Map<Integer, Pending> afterExit = new ConcurrentHashMap<>();

    /** The files renamed out of a rule on what runs, looked up for the execs in flight meanwhile. */
    private final ExecutableMoves moves = new ExecutableMoves();

    /** @param looks where the file passed is looked at (whether it is a {@code #!} script) */
    ExecCalls(FileLooks looks) {
        this.looks = looks;
    }

    /** The run's record of files renamed out of a rule on what runs. */
    ExecutableMoves moves() {
        return moves;
    }

    /** At the enter of execve or execveat: remembers what sentry/execve will report. */
    void entered(Task caller, SyscallEvent enter, TaskMemory mem) {
        long mark = moves.mark(); // before the kernel's open of the file, which follows this enter
        ExecArguments args = ExecArguments.read(enter, mem);
        byTid.put(enter.tid(), new Pending(caller, args, null, null, null, mark));
    }

    /**
     * At the exec event of {@code call}, the thread now {@code tid}: the call with the image the
     * new program got and, when it may have been a {@code #!} script, the script. Only an image
     * whose argv holds the file name the kernel executed can be a script's interpreter's (the
     * kernel puts the name there, {@link ExecImage#mayNameAScript}): any other exec ran the file
     * passed itself, and no file is looked at. Otherwise the file passed is looked at from the
     * thread's root, cwd or dirfd, which the exec left as they were (a script named through a
     * close-on-exec descriptor cannot be executed at all), through {@link FileLooks}: on a
     * filesystem that does not answer in time it is taken for none, and sentry/execve then reports
     * the binary the kernel ran (a script's interpreter), with {@code binary_path} missing for a
     * sink that decides (a FUSE server of the program's answered seccheck late, and a denied script
     * behind its symlink ran). A script's {@code #!} line is followed to the scripts the kernel ran
     * after it, and what was found is checked against what the kernel did ({@link ExecRoute}): a
     * file found that is not the one the kernel ran (renamed there after the kernel's open) is no
     * script, and {@code binary_path} is then missing for a sink that decides. A file that is no
     * script and not the binary, whose image names it after a binary its argv[0] reaches, was run
     * through a binfmt_misc handler: it is reported as a script is, the handler as its interpreter.
     */
    Pending imaged(Pending call, int tid, ExecImage image) {
        String[] untold = new String[1];
        ScriptFile script = image.mayNameAScript() ? scriptOf(tid, call.args(), image, untold) : null;
        return new Pending(call.caller(), call.args(), script, untold[0], image, call.moves());
    }

    /** At the exec event of the thread that was {@code formerTid}: the call's entry, or null. */
    Pending executed(int formerTid) {
        return byTid.remove(formerTid);
    }

    /** Keeps {@code p} to be reported after the exit points of the exec call of {@code tid}. */
    void deferUntilExit(int tid, Pending p) {
        Pending replaced = afterExit.put(tid, p);
        if (replaced != null) {
            replaced.release();
        }
    }

    /** The task that made the exec call whose report waits for its exit in {@code tid}, or null. */
    Task deferredCaller(int tid) {
        Pending p = afterExit.get(tid);
        return p == null ? null : p.caller();
    }

    /** At a syscall-exit stop of {@code tid}: the report deferred to it, or null. */
    Pending takeDeferred(int tid) {
        return afterExit.remove(tid);
    }

    /** The thread is gone: whatever it had pending will not happen. */
    void forget(int tid) {
        byTid.remove(tid);
        Pending deferred = afterExit.remove(tid);
        if (deferred != null) {
            deferred.release();
        }
    }

    /** This thread's buffers for the file calls of the looks below. */
    private static final ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);
    /** This thread's walk of names as the program resolves them (an ELF interpreter's too, {@link ExecutedFiles}). */
    static final ThreadLocal<ProgramPaths> PATHS =
            ThreadLocal.withInitial(() -> new ProgramPaths((int) ProcessHandle.current().pid()));

    /**
     * The {@code #!} script an exec call of task {@code tid} names, or null. The name is reached as
     * the program resolves it ({@link ProgramPaths}), first on the tracer without asking any
     * filesystem that may leave a request unanswered (FUSE, network: not even the attributes of a
     * mount's root, which a magic link or a mount crossing can lead to in any namespace), and only
     * a name that needs one is looked up on the bounded helper ({@link FileLooks}).
     */
    private ScriptFile scriptOf(int tid, ExecArguments args, ExecImage image, String[] untold) {
        if (args.pathname() == null) {
            return null;
        }
        PathCalls.Stat exe = looks.statAt(tid, "/proc/" + tid + "/exe").orElse(null);
        Checked here = checked(tid, args, image, exe, true);
        if (here != null) {
            untold[0] = here.why();
            return here.file();
        }
        // The helper hands its script over through a slot: one it finds after the tracer gave up
        // waiting is closed by whichever of the two comes second, never left open.
        AtomicReference<Object> slot = new AtomicReference<>();
        Optional<Checked> looked = looks.lookElsewhere(tid, () -> {
            Checked r = checked(tid, args, image, exe, false);
            if (r != null && r.file() != null && !slot.compareAndSet(null, r.file())) {
                r.file().close();
            }
            return r;
        });
        if (looked.isEmpty()) {
            untold[0] = "whether the file executed is a #! script could not be told: its filesystem did not answer in time";
        } else if (looked.get() != null) {
            untold[0] = looked.get().why();
        }
        Optional<ScriptFile> found = looked.map(c -> c == null ? null : c.file());
        if (slot.getAndSet(GAVE_UP) instanceof ScriptFile late && found.isEmpty()) {
            late.close();
        }
        return found.orElse(null);
    }

    /**
     * What the file passed turned out to be: {@code file}, a script or a handler's file the kernel
     * ran (checked), or none; {@code why} binary_path is missing, or null.
     */
    private record Checked(ScriptFile file, String why) {}

    /** The file passed is the binary the kernel runs, {@code /proc/PID/exe}. */
    private static final Checked BINARY = new Checked(null, null);

    /**
     * Reaches the file an exec call of task {@code tid} names and checks it against the new image
     * ({@link ExecRoute}) and the binary {@code exe}; null when {@code localOnly} and that needs a
     * filesystem that may block.
     */
    private Checked checked(int tid, ExecArguments args, ExecImage image, PathCalls.Stat exe, boolean localOnly) {
        Optional<ScriptFile> r = reach(tid, args, localOnly, MAX_SCRIPTS);
        if (r == null) {
            return null;
        }
        if (r.isEmpty()) {
            // Gone since the kernel's open, unless the image could not be read at all (a program
            // seccheck cannot look into: its binary is then decided, found missing, by itself).
            return image.execfn() == null ? BINARY : new Checked(null, ExecRoute.GONE);
        }
        if (exe == null) {
            r.get().close();
            return new Checked(null, "the executed file could not be looked at");
        }
        ScriptFile f = r.get();
        boolean kept = false;
        try {
            String why;
            String last;
            if (f.line() == null) {
                if (sameFile(CALLS.get().fstat(f.fd()), exe)) {
                    return BINARY;
                }
                String argv0 = args.argv().isEmpty() ? null : args.argv().getFirst();
                why = ExecRoute.handlerMismatch(image, argv0);
                last = image.argv().isEmpty() ? null : image.argv().getFirst();
            } else {
                List<ShebangLine.Line> lines = f.lines();
                why = ExecRoute.scriptMismatch(lines, image);
                last = lines.getLast().name();
            }
            if (why == null) {
                // The kernel opened the last name from the task's root and cwd, as the walk does.
                int fd = PATHS.get().open(tid, tid, Fcntl.AT_FDCWD, last, localOnly);
                if (fd == ProgramPaths.ELSEWHERE) {
                    return null;
                }
                try {
                    why = fd >= 0 && sameFile(CALLS.get().fstat(fd), exe) ? null : ExecRoute.NOT_THE_BINARY;
                } finally {
                    if (fd >= 0) {
                        PathCalls.close(fd);
                    }
                }
            }
            if (why != null) {
                return new Checked(null, why);
            }
            kept = true;
            return new Checked(f, null);
        } finally {
            if (!kept) {
                f.close();
            }
        }
    }

    /** Whether two stats are of one file: the same inode on the same device. */
    private static boolean sameFile(PathCalls.Stat a, PathCalls.Stat b) {
        return a != null && b != null && a.dev() == b.dev() && a.ino() == b.ino();
    }

    /** What the tracer leaves in a helper's slot once it has its answer, or gave up on it. */
    private static final Object GAVE_UP = new Object();

    /**
     * Reaches the file an exec call of task {@code tid} names: the regular file, with its
     * {@code #!} line and the scripts that line leads to (up to {@code scripts} in all) when it is a
     * script, empty when it is no regular file or cannot be reached, null when {@code localOnly} and reaching it
     * would need a filesystem that may block. At the exec event the thread is its process's only
     * one, with the process's pid as tid.
     */
    private Optional<ScriptFile> reach(int tid, ExecArguments args, boolean localOnly, int scripts) {
        return reach(tid, args.throughDescriptor() ? args.dirfd() : Fcntl.AT_FDCWD, args.pathname(), localOnly, scripts);
    }

    /**
     * The kernel runs at most this many scripts for one exec, each the interpreter of the one
     * before; an exec whose chain is longer fails (ELOOP), and never reaches its exec event.
     */
    private static final int MAX_SCRIPTS = 5;

    /**
     * {@link #reach(int, ExecArguments, boolean, int)} for {@code path} relative to {@code dirfd}: a
     * script's interpreter is opened as the kernel opened it, from the task's root or cwd, and
     * looked at in turn while {@code scripts}, the number of scripts the kernel could still run,
     * allows.
     */
    private Optional<ScriptFile> reach(int tid, int dirfd, String path, boolean localOnly, int scripts) {
        PathCalls calls = CALLS.get();
        int fd = PATHS.get().open(tid, tid, dirfd, path, localOnly);
        if (fd == ProgramPaths.ELSEWHERE) {
            return null;
        }
        if (fd < 0) {
            return Optional.empty();
        }
        boolean kept = false;
        try {
            ExecHead head = ExecHead.scriptOf(calls, fd);
            if (head.stat() == null || !head.stat().isRegular()) {
                return Optional.empty();
            }
            ShebangLine.Line line = head.line();
            String name = calls.readlinkat(Fcntl.AT_FDCWD, "/proc/thread-self/fd/" + fd);
            if (name == null) {
                return Optional.empty();
            }
            ScriptFile next = null;
            if (line != null && scripts > 1) {
                Optional<ScriptFile> after = reach(tid, Fcntl.AT_FDCWD, line.name(), localOnly, scripts - 1);
                if (after == null) {
                    return null;
                }
                next = after.orElse(null);
                if (next != null && next.line() == null) {
                    next.close(); // the binary the chain ends in: checked against /proc/PID/exe instead
                    next = null;
                }
            }
            kept = true;
            return Optional.of(new ScriptFile(fd, name, line, next));
        } finally {
            if (!kept) {
                PathCalls.close(fd);
            }
        }
    }
}
