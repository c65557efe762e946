package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.syscalls.ExecImage;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ExecCalls carries what sentry/execve reports from the enter of execve or execveat, where
 * gVisor takes it, to the exec event, where the kernel has replaced the program: the arguments
 * as passed, the task as it was (gVisor's context is the caller's, before the exec) and, for a
 * {@code #!} script, the script (gVisor reports the file passed, not its interpreter). A call
 * that fails leaves its entry until the thread's next exec call or its end; the exec event of a
 * launched program finds none, as gVisor sends none for a container's first process.
 * Entries are put by the thread that sees the enter (tracer or notifier) before the exec can
 * happen, and taken by the tracer thread, hence the concurrent map.
 */
final class ExecCalls {

    /**
     * An exec call seen at its enter.
     *
     * @param caller the task that called it, as it was then
     * @param script the {@code #!} script passed, resolved to a path seccheck can open, or null
     *     when the file passed is no script (then the kernel's {@code /proc/PID/exe} is the file)
     * @param scriptName the script's name as the kernel shows it ({@code /memfd:...} for a memfd),
     *     null without a script
     * @param image what the kernel gave the new program, read at the exec event; null before it,
     *     or when sentry/execve was not enabled then
     */
    record Pending(Task caller, ExecArguments args, Path script, String scriptName, ExecImage image) {

        /** This call with the new program's image, read at its exec event. */
        Pending withImage(ExecImage image) {
            return new Pending(caller, args, script, scriptName, image);
        }
    }

    private record Script(Path file, String name) {}

    private static final byte[] SHEBANG = {'#', '!'};

    private final Map<Integer, Pending> byTid = new ConcurrentHashMap<>();
    /** Where the file passed is looked at: never held by a filesystem the program serves. */
    private final FileLooks looks;
    /** Exec events whose sentry/execve waits for the exit points of the call (tracer thread only). */
    private final Map<Integer, Pending> afterExit = new ConcurrentHashMap<>();

    /** @param looks where the file passed is looked at (whether it is a {@code #!} script) */
    ExecCalls(FileLooks looks) {
        this.looks = looks;
    }

    /**
     * At the enter of execve or execveat: remembers what sentry/execve will report. Whether the
     * file is a script is looked at through {@link FileLooks}: on a filesystem that does not answer
     * in time it is taken for none, and sentry/execve then reports the binary the kernel ran
     * (a script's interpreter).
     */
    void entered(Task caller, SyscallEvent enter, TaskMemory mem) {
        ExecArguments args = ExecArguments.read(enter, mem);
        Script s = scriptOf(enter.tid(), args);
        byTid.put(enter.tid(),
                new Pending(caller, args, s == null ? null : s.file(), s == null ? null : s.name(), null));
    }

    /** At the exec event of the thread that was {@code formerTid}: the call's entry, or null. */
    Pending executed(int formerTid) {
        return byTid.remove(formerTid);
    }

    /** Keeps {@code p} to be reported after the exit points of the exec call of {@code tid}. */
    void deferUntilExit(int tid, Pending p) {
        afterExit.put(tid, p);
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
        afterExit.remove(tid);
    }

    /** This thread's buffers for the file calls of {@link #startsWithShebang}. */
    private static final ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);

    /**
     * Returns whether {@code file} is a regular file starting with {@code #!}. The file is the one
     * a program asked to execute, on the tracer thread: it is first reached with O_PATH, which
     * opens nothing, and read only once fstat says it is regular. An open of a FIFO (the kernel
     * refuses to execute one, but only after this check) would wait for a writer and hold the
     * tracer and with it every traced task; an open of a device could act on it.
     */
    static boolean startsWithShebang(Path file) {
        PathCalls calls = CALLS.get();
        int reached;
        try {
            reached = calls.openat(Fcntl.AT_FDCWD, file.toString(), Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        } catch (IllegalArgumentException longerThanPathMax) {
            return false; // the /proc prefix made it too long to name; the kernel's exec decides
        }
        if (reached < 0) {
            return false;
        }
        try {
            return shebangAt(calls, reached);
        } finally {
            PathCalls.close(reached);
        }
    }

    /** Whether our O_PATH fd {@code reached} is of a regular file starting with {@code #!}. */
    private static boolean shebangAt(PathCalls calls, int reached) {
        PathCalls.Stat st = calls.fstat(reached);
        if (st == null || !st.isRegular()) {
            return false;
        }
        // Reopening the O_PATH descriptor through /proc/self/fd opens that very (regular) file.
        int fd = calls.openat(Fcntl.AT_FDCWD, "/proc/self/fd/" + reached,
                Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_NOCTTY | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        try {
            byte[] head = new byte[2];
            return calls.pread(fd, head, 0) == 2 && Arrays.equals(head, SHEBANG);
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * The {@code #!} script an exec call names, or null. Where the caller's mount namespace holds a
     * filesystem that may leave a request unanswered ({@link FileLooks}), the file is first reached
     * without leaving the mount the name starts on ({@link #confined}); only a name that cannot be
     * (it crosses a mount, or the start is not local) is looked up on the bounded helper.
     */
    private Script scriptOf(int tid, ExecArguments args) {
        if (args.pathname() == null || !looks.mayBlock(tid)) {
            return script(tid, args);
        }
        Optional<Optional<Script>> here = confined(tid, args);
        if (here.isPresent()) {
            return here.get().orElse(null);
        }
        return looks.look(tid, () -> Optional.ofNullable(script(tid, args))).flatMap(o -> o).orElse(null);
    }

    /**
     * Tells whether an exec call names a script by reaching the file from where its name starts
     * (the caller's root, cwd or dirfd, each a /proc link that reaches its directory without a
     * lookup) when that start is on a local mount, in one openat2 that may not leave that mount
     * (RESOLVE_NO_XDEV; from the root, symlinks resolve inside it; from a cwd or dirfd, none is
     * followed). Empty when that cannot tell: the caller looks the name up the bounded way.
     */
    private Optional<Optional<Script>> confined(int tid, ExecArguments args) {
        boolean absolute = args.pathname().startsWith("/"); // an absolute name ignores the dirfd
        String start = "/proc/" + tid + (absolute ? "/root" : args.throughDescriptor() ? "/fd/" + args.dirfd() : "/cwd");
        if (!looks.local(tid, start)) {
            return Optional.empty();
        }
        PathCalls calls = CALLS.get();
        int dir = calls.openat(Fcntl.AT_FDCWD, start, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        if (dir < 0) {
            return Optional.empty();
        }
        try {
            String rel = absolute ? args.pathname().replaceFirst("^/+", "") : args.pathname();
            if (rel.isEmpty()) {
                return Optional.empty(); // the dirfd's own file (execveat AT_EMPTY_PATH), or "/"
            }
            long resolve = Fcntl.RESOLVE_NO_XDEV | Fcntl.RESOLVE_NO_MAGICLINKS
                    | (absolute ? Fcntl.RESOLVE_IN_ROOT : Fcntl.RESOLVE_NO_SYMLINKS);
            int reached = calls.openat2(dir, rel, Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0, resolve);
            if (reached < 0) {
                return Optional.empty();
            }
            try {
                if (!shebangAt(calls, reached)) {
                    return Optional.of(Optional.empty());
                }
                // A name seccheck can reach the file by; a deleted one is left to the bounded way, as before.
                String real = calls.readlinkat(Fcntl.AT_FDCWD, "/proc/thread-self/fd/" + reached);
                return real != null && real.startsWith("/") && !real.endsWith(" (deleted)")
                        ? Optional.of(Optional.of(new Script(Path.of(real), real))) : Optional.empty();
            } finally {
                PathCalls.close(reached);
            }
        } finally {
            PathCalls.close(dir);
        }
    }

    /**
     * Returns the file passed, resolved through /proc as the caller would resolve it, when it
     * starts with {@code #!}; null otherwise or when it cannot be read.
     */
    private static Script script(int tid, ExecArguments args) {
        if (args.pathname() == null) {
            return null;
        }
        Path proc = Path.of("/proc", Integer.toString(tid));
        Path file;
        if (args.throughDescriptor()) {
            Path fd = proc.resolve("fd").resolve(Integer.toString(args.dirfd()));
            file = args.pathname().isEmpty() ? fd : fd.resolve(args.pathname());
        } else if (args.pathname().startsWith("/")) {
            file = proc.resolve("root").resolve(args.pathname().substring(1));
        } else {
            file = proc.resolve("cwd").resolve(args.pathname());
        }
        if (!startsWithShebang(file)) {
            return null;
        }
        try {
            Path real = file.toRealPath();
            return new Script(real, real.toString());
        } catch (IOException e) {
            // A deleted or anonymous file (a memfd): reachable through the caller's /proc only.
            try {
                return new Script(file, Files.readSymbolicLink(file).toString());
            } catch (IOException | UnsupportedOperationException notALink) {
                return new Script(file, file.toString());
            }
        }
    }
}
