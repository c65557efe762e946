package dev.seccheck.sentry.trace;

import com.google.protobuf.ByteString;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.syscalls.ExecImage;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.sink.ExecveGaps;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.ScriptChain;
import dev.seccheck.state.PointState;
import dev.seccheck.state.SinkCall;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * LifecyclePoints fires the non-syscall points from ptrace events: container/start before the
 * program runs, sentry/clone, sentry/execve, sentry/task_exit and sentry/exit_notify_parent.
 * Each is built only when enabled, and only with the fields asked for.
 */
final class LifecyclePoints {

    private final PointState state;
    private final ContextFactory context;
    private final String runId;
    private final BinaryHashes hashes = new BinaryHashes();

    /** Where the executed file is stat'ed and hashed: never held by a filesystem the program serves. */
    private final FileLooks looks;
    /** Names the files an exec ran from seccheck's root, for the sinks deciding on what runs. */
    private final ExecutedFiles executedFiles;
    /** Where seccheck's own lines go (a binary left unhashed). */
    private final Consumer<String> log;

    LifecyclePoints(PointState state, ContextFactory context, String runId, FileLooks looks,
            ExecutedFiles executedFiles, Consumer<String> log) {
        this.executedFiles = executedFiles;
        this.log = log;
        this.state = state;
        this.context = context;
        this.runId = runId;
        this.looks = looks;
    }

    /**
     * Takes now, while {@code task} lives, the cwd and credentials sentry/task_exit is to carry:
     * it fires when the thread is reaped (no thread ever waits for seccheck at its exit, see
     * {@link #taskExit}), and /proc has forgotten them by then.
     */
    void keepExitContext(Task task) {
        keepExitContext(state, task);
    }

    /** The same for the points of {@code s} (a session about to be published). */
    void keepExitContext(PointState s, Task task) {
        if (keepsExitContext(s)) {
            context.keep(task, s.fieldSet(Point.TASK_EXIT));
        }
    }

    /** Whether sentry/task_exit is enabled in {@code s} with a context field read from /proc (cwd, credentials). */
    static boolean keepsExitContext(PointState s) {
        if (!s.enabled(Point.TASK_EXIT)) {
            return false;
        }
        FieldSet f = s.fieldSet(Point.TASK_EXIT);
        return f.hasContext(ContextField.CWD) || f.hasContext(ContextField.CREDENTIALS);
    }

    /** {@link #keepsExitContext(PointState)} for the points enabled now. */
    boolean keepsExitContext() {
        return keepsExitContext(state);
    }

    /**
     * Returns whether {@code s} enables any point, so that the names of tasks that have none yet
     * are worth reading before it is published ({@link dev.seccheck.sentry.task.TaskTable#fillNames}).
     */
    static boolean namesWanted(PointState s) {
        for (long word : s.enabledBits()) {
            if (word != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * At the event of a fork or clone made by {@code parent}, stopped there: reads the parent's
     * credentials now when sentry/execve reports them and they are not known yet, since at this
     * moment they are exactly what the child inherits. The child copies them (its own exec then
     * needs no /proc read), and so do the parent's later children, until a set*id call or an exec
     * of the parent drops them. A shell running a loop of commands is read once, not once a
     * command. Not the cwd: a point reads it when it fires ({@link ContextFactory}).
     */
    void keepForChildren(Task parent) {
        if (state.enabled(Point.EXECVE) && state.fieldSet(Point.EXECVE).hasContext(ContextField.CREDENTIALS)
                && parent.credentials() == null) {
            context.keepCredentials(parent);
        }
    }

    /** Returns whether sentry/execve is enabled, so that an exec's image is worth reading at its event. */
    boolean reportsExecs() {
        return state.enabled(Point.EXECVE);
    }

    /** Returns whether a sink decides on sentry/execve, so that every program an exec ran is worth looking at. */
    boolean decidesExecs() {
        return state.decided(Point.EXECVE);
    }

    /** The kernel's limit on a process name (TASK_COMM_LEN without the NUL). */
    private static final int COMM_MAX = 15;

    /**
     * Fires container/start for the workload's first task, held just before it executes
     * {@code program}. Its context is the program's, as gVisor's is that of the container's init
     * with its image loaded: the name the kernel gives it at the exec (the file name, cut at 15
     * bytes), and no parent (the init of a sandbox has none). {@code env} is the program's
     * environment, as gVisor reports the spec's.
     */
    int containerStart(Task root, String program, List<String> args, List<String> env, String cwd, boolean terminal) {
        if (!state.enabled(Point.CONTAINER_START)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        return state.fire(Point.CONTAINER_START, fields -> {
            Start.Builder b = Start.newBuilder().setId(runId).setCwd(cwd)
                    .addAllArgs(args.stream().map(FileNames::shown).toList()).setTerminal(terminal);
            ctx(fields, programTask(root, program), now, b::setContextData);
            if (fields.hasLocal(OptionalFields.CONTAINER_START_ENV.id())) {
                b.addAllEnv(env);
            }
            return b.build();
        }, (sink, fields, msg) -> sink.containerStart(fields, msg));
    }

    /** The root task as it will be once it runs {@code program}: the kernel's name for it, no parent. */
    static Task programTask(Task root, String program) {
        byte[] name = Path.of(program).getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String comm = new String(name, 0, Math.min(name.length, COMM_MAX), java.nio.charset.StandardCharsets.UTF_8);
        return new Task(root.tid(), root.tgid(), 0, root.startNs(), root.groupStartNs(), comm, root.cwd(),
                root.credentials(), root.execSession());
    }

    /** Fires sentry/clone: {@code parent} created {@code child} with these clone flags. */
    int clone(Task parent, Task child, long flags) {
        if (!state.enabled(Point.CLONE)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        return state.fire(Point.CLONE, fields -> {
            CloneInfo.Builder b = CloneInfo.newBuilder().setCreatedThreadId(child.tid())
                    .setCreatedThreadGroupId(child.tgid()).setCreatedThreadStartTimeNs(child.startNs()).setFlags(flags);
            ctx(fields, parent, now, b::setContextData);
            return b.build();
        }, (sink, fields, msg) -> sink.clone(fields, msg));
    }

    /**
     * Fires sentry/execve as gVisor does, for the exec call {@code call} whose new program
     * {@code after} now runs: the argv and envp the kernel gave it (read from its stack, so the
     * caller's other threads cannot make them differ from what ran; a script's argv as passed),
     * the context of the caller before the exec, binary_path the file passed with its symlinks
     * resolved (a script rather than its interpreter; {@code /memfd:name (deleted)} for a memfd),
     * execfn the path exactly as passed, as the kernel copied it (gVisor's definitions of the two
     * fields, whatever descriptor named the file).
     */
    int execve(ExecCalls.Pending call, Task after) {
        if (!state.enabled(Point.EXECVE)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        int pid = after.tgid();
        String exe = Procfs.link(pid, "exe").orElse(null);
        ExecArguments passed = call.args();
        ExecImage image = call.image();
        ScriptFile script = call.script();
        // What the new program got, not what the caller's memory held at the enter (a thread of
        // the caller could rewrite that while the kernel copied it); a script's argv as passed.
        String argv0 = passed.argv().isEmpty() ? null : passed.argv().get(0);
        List<String> argv = image == null ? passed.argv() : script != null ? image.scriptArgv(argv0) : image.argv();
        List<String> env = image == null ? passed.envv() : image.envv();
        // A vector cut short (unreadable, or more than the kernel takes) is said, so that a rule on
        // it is decided by on_missing rather than by the part read: an LD_PRELOAD= after it.
        String argvCut = image == null ? passed.argvCut() : image.argvCut();
        String envCut = image == null ? passed.envCut() : image.envCut();
        String execfn = image == null || image.execfn() == null ? passed.pathname()
                : image.passedPath(passed.dirfd() != Fcntl.AT_FDCWD, passed.dirfd());
        String binary = script != null ? script.name() : exe;
        Path exePath = Path.of("/proc", Integer.toString(pid), "exe");
        Path statPath = script != null ? script.path() : exePath;
        // A sink deciding on what runs gets the file executed by device and inode (its other names)
        // and by its name from seccheck's root (a bind mount of the program's own namespace shows it
        // under another), or as missing on a mount seccheck cannot name; and the programs the kernel
        // ran with it: a script's interpreters, a binary's ELF interpreter.
        boolean decided = state.decided(Point.EXECVE);
        String unnamed = null;
        ReachedFile executed = null;
        ScriptChain chain = null;
        if (decided) {
            executed = script == null && call.binary() instanceof ExecutedFiles.Found f ? f.file() : reached(pid, statPath);
            Optional<RealPath.Name> named = script != null ? executedFiles.nameOf(script.fd(), pid)
                    : call.binary() instanceof ExecutedFiles.Found f ? f.named() : Optional.empty();
            Optional<String> real = named.flatMap(RealPath.Name::vouched);
            if (real.isPresent()) {
                binary = real.get();
            } else if (binary != null && call.binary() != null) { // none: the session came after the exec event
                if (call.binary() instanceof ExecutedFiles.Unknown u && script == null) {
                    unnamed = u.why();
                } else {
                    // The program's name for it is no path seccheck can stand behind (a tmpfs of its
                    // own over /usr showed a copied binary as a system one): absent, as missing
                    // fields are, and the alert says why; execfn still shows what was passed.
                    unnamed = ExecutedFiles.unnamedWhy(named);
                    binary = null;
                }
            }
            chain = chain(pid, script, call.binary(), call.interpreter());
            if (script == null && call.scriptUntold() != null) {
                unnamed = call.scriptUntold();
            }
        }
        boolean inMemfd = String.valueOf(binary).startsWith("/memfd:");
        String named = binary;
        String doubted = unnamed;
        return ScopedValue.where(ReachedFile.CURRENT, executed).where(ScriptChain.CURRENT, chain)
                .call(() -> state.fire(Point.EXECVE, fields -> {
            ExecveInfo.Builder b = ExecveInfo.newBuilder().addAllArgv(argv).addAllEnv(env);
            if (named != null) {
                b.setBinaryPath(named);
            }
            if (execfn != null) {
                b.setExecfn(execfn);
            }
            ctx(fields, call.caller(), now, b::setContextData);
            binaryFields(pid, fields, statPath, inMemfd, b);
            if (fields.hasLocal(OptionalFields.EXECVE_FD_INFO.id())) {
                StdioFds.fill(pid, b, looks);
            }
            if (fields.hasLocal(OptionalFields.EXECVE_PIPE_PROC_INFO.id())) {
                PipePeers.fill(context, after, fields, now, b);
            }
            return b.build();
        }, (sink, fields, msg) -> {
            // What could not be looked at is said, so that a rule on it is not decided on its absence.
            // Why binary_path is doubted comes first: it is left out of the message then, which
            // ExecveGaps alone would put down to a file that could not be looked at.
            Missing gaps = doubted == null ? Missing.NONE : Missing.NONE.with("binary_path", doubted);
            for (Missing.Field f : ExecveGaps.of(fields, msg).fields()) {
                gaps = gaps.with(f.name(), f.reason());
            }
            if (argvCut != null) {
                gaps = gaps.with("argv", argvCut);
            }
            if (envCut != null) {
                gaps = gaps.with("env", envCut);
            }
            if (gaps.isEmpty()) {
                sink.execve(fields, msg);
            } else {
                sink.execve(fields, msg, gaps);
            }
        }));
    }

    /** The file {@code magicLink} leads to, by device and inode; null when it cannot be looked at. */
    private ReachedFile reached(int pid, Path magicLink) {
        return looks.statAt(pid, magicLink.toString()).map(st -> new ReachedFile(st.dev(), st.ino(), st.ctimeNs()))
                .orElse(null);
    }

    /**
     * What the kernel ran besides the file executed: for {@code script}, the scripts its {@code #!}
     * line led to, each through our descriptor of it, then the binary; then the binary's ELF
     * interpreter, if it has one. Each is named from seccheck's root; one that could not be looked
     * at, or is on a mount seccheck cannot name, is described without its binary fields, which
     * sentry/execve's sinks then find missing. Null when the kernel ran nothing else.
     */
    private ScriptChain chain(int pid, ScriptFile script, ExecutedFiles.Executed binary,
            ExecutedFiles.Executed interpreter) {
        List<ScriptChain.Program> programs = new ArrayList<>();
        if (script != null) {
            for (ScriptFile s = script.next(); s != null; s = s.next()) {
                ScriptFile between = s;
                String name = executedFiles.nameOf(between.fd(), pid).flatMap(RealPath.Name::vouched).orElse(null);
                programs.add(new ScriptChain.Program(reached(pid, between.path()),
                        (fields, m) -> as(pid, fields, name, between.path(), m)));
            }
            programs.add(program(pid, binary));
        }
        if (interpreter != null) {
            programs.add(program(pid, interpreter));
        }
        return programs.isEmpty() ? null : new ScriptChain(programs);
    }

    /** {@code file} as a program of a {@link ScriptChain}: without a name or file when it could not be had. */
    private ScriptChain.Program program(int pid, ExecutedFiles.Executed file) {
        if (file instanceof ExecutedFiles.Found f) {
            return new ScriptChain.Program(f.file(), (fields, m) -> as(pid, fields, f.name(), f.path(), m));
        }
        return new ScriptChain.Program(null, (fields, m) -> as(pid, fields, null, null, m));
    }

    /**
     * {@code script}'s message with its binary fields describing the program {@code name} reached
     * by {@code path} instead; none of them when {@code name} (null) could not be read
     * ({@link ExecveGaps} names them).
     */
    private ExecveInfo as(int pid, FieldSet fields, String name, Path path, ExecveInfo script) {
        ExecveInfo.Builder b = script.toBuilder().clearBinaryPath()
                .clearBinaryMode().clearBinaryUid().clearBinaryGid().clearBinaryIno().clearBinarySize()
                .clearBinaryNlink().clearBinaryCtime().clearBinaryInMemfd().clearBinarySha256().clearBinarySha1();
        if (name != null) {
            binaryFields(pid, fields, path, name.startsWith("/memfd:"), b.setBinaryPath(name));
        }
        return b.build();
    }

    /**
     * Fires sentry/task_exit with the status the thread exited with, when it is reaped. Not at
     * ptrace's exit event, which would hold every exiting thread until seccheck resumed it: a
     * thread killed while seccheck waits on it (a filesystem it serves, StuckReads) could then
     * never let go of what holds seccheck.
     */
    void taskExit(Task task, int waitStatus) {
        fireExit(Point.TASK_EXIT, task, ctx -> {
            TaskExit.Builder b = TaskExit.newBuilder().setExitStatus(waitStatus);
            return (ctx == null ? b : b.setContextData(ctx)).build();
        }, (sink, fields, msg) -> sink.taskExit(fields, msg));
    }

    /** Fires sentry/exit_notify_parent when a process's exit is reported to its parent. */
    void exitNotifyParent(Task leader, int waitStatus) {
        fireExit(Point.EXIT_NOTIFY_PARENT, leader, ctx -> {
            ExitNotifyParentInfo.Builder b = ExitNotifyParentInfo.newBuilder().setExitStatus(waitStatus);
            return (ctx == null ? b : b.setContextData(ctx)).build();
        }, (sink, fields, msg) -> sink.exitNotifyParent(fields, msg));
    }

    /**
     * Fires one of the two exit points, whose message is the exit status and the context of
     * {@code task} (null when no context field is asked for). Exits cannot be denied: the
     * verdict is dropped.
     */
    private <M> void fireExit(Point point, Task task, Function<ContextData, M> message, SinkCall<M> call) {
        if (!state.enabled(point)) {
            return;
        }
        long now = TaskTable.nowNs();
        state.fire(point, fields -> message.apply(context.build(task, fields, now)), call);
    }

    private void ctx(FieldSet fields, Task task, long now, java.util.function.Consumer<ContextData> set) {
        ContextData c = context.build(task, fields, now);
        if (c != null) {
            set.accept(c);
        }
    }

    /**
     * Fills the binary's attributes and hashes, looked at through {@link FileLooks}: a binary on a
     * filesystem that does not answer in time gets none of them.
     */
    private void binaryFields(int pid, FieldSet fields, Path exePath, boolean inMemfd, ExecveInfo.Builder b) {
        boolean info = fields.hasLocal(OptionalFields.EXECVE_BINARY_INFO.id());
        boolean sha256 = fields.hasLocal(OptionalFields.EXECVE_BINARY_SHA256.id());
        boolean sha1 = fields.hasLocal(OptionalFields.EXECVE_BINARY_SHA1.id());
        PathCalls.Stat st = info || sha256 || sha1 ? looks.statAt(pid, exePath.toString()).orElse(null) : null;
        if (st == null) {
            return;
        }
        if (info) {
            b.setBinaryMode(st.mode()).setBinaryUid(st.uid()).setBinaryGid(st.gid())
                    .setBinaryIno(st.ino()).setBinarySize(st.size())
                    .setBinaryNlink((int) st.nlink())
                    .setBinaryCtime(FileStat.timespec(st.ctimeNs()))
                    .setBinaryInMemfd(inMemfd);
        }
        if ((sha256 || sha1) && st.size() > BinaryHashes.MAX_HASHED_BYTES) {
            log.accept("the binary task " + pid + " executed was not hashed: " + new BinaryHashes.TooLarge(st.size()).getMessage()
                    + "; its hashes are left out");
        } else if (sha256 || sha1) {
            BinaryHashes.Key key = new BinaryHashes.Key(st.dev(), st.ino(), st.size(), st.mtimeNs(), st.ctimeNs());
            // The binary gone, unreadable or not answering: the hashes are left out.
            look(pid, exePath, () -> hashes.of(key, exePath, state.execveHashCacheCapacity())).ifPresent(d -> {
                if (sha256) {
                    b.setBinarySha256(ByteString.copyFrom(d.sha256()));
                }
                if (sha1) {
                    b.setBinarySha1(ByteString.copyFrom(d.sha1()));
                }
            });
        }
    }

    /**
     * Looks at the executed file through a /proc link ({@code /proc/PID/exe}, or seccheck's own
     * descriptor of a script, {@link ScriptFile#path}), which tells its mount without a lookup: in
     * place when on a local mount, else the bounded way.
     */
    private <T> Optional<T> look(int pid, Path file, Callable<T> look) {
        return looks.lookAt(pid, file.toString(), look);
    }
}
