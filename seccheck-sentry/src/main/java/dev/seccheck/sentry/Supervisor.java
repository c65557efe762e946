package dev.seccheck.sentry;

import dev.seccheck.linux.WaitStatus;
import dev.seccheck.points.Catalog;
import dev.seccheck.sentry.defense.OwnFiles;
import dev.seccheck.sentry.trace.Tracer;
import dev.seccheck.state.PointState;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Supervisor runs one unmodified program and its whole process tree under seccheck: the points
 * that {@link PointState} enables fire from what the program really does, and sinks that deny
 * make the checked operations fail. No privileges are needed.
 *
 * <p>One platform thread (the tracer) starts the program and owns every ptrace call; a second
 * serves the seccomp notifications of enter-only syscall points. Lifecycle points come from ptrace
 * events; syscall points from a seccomp filter built from the points enabled when the program
 * starts.
 */
public final class Supervisor {

    private final PointState state;
    private final Catalog catalog;
    private final String runId;
    private final Consumer<String> log;
    private final CompletableFuture<Tracer> tracer = new CompletableFuture<>();
    private volatile boolean allowPtrace;

    /**
     * @param runId the run's name, reported as the {@code container_id} context field
     * @param log receives the supervisor's own warnings, one line each
     */
    public Supervisor(PointState state, Catalog catalog, String runId, Consumer<String> log) {
        this.state = state;
        this.catalog = catalog;
        this.runId = runId;
        this.log = log;
        // Found while the run sets up its control socket and signals, off the way to the program.
        OwnFiles.findAhead();
    }

    /**
     * Lets the workload's ptrace calls reach the kernel, as the session option
     * {@code allow_ptrace} asks; call before {@link #run}. Never aimed at seccheck, and an attach
     * to a process outside the run is refused ({@link dev.seccheck.sentry.defense.OutsideProcesses});
     * the run's own tasks are seccheck's tracees, which no second tracer can attach.
     */
    public Supervisor allowPtrace(boolean allow) {
        this.allowPtrace = allow;
        return this;
    }

    /**
     * Runs {@code argv} to the end. From before the program's first instruction this process is
     * not dumpable and the program's filter refuses to signal, trace or read it (see
     * {@code dev.seccheck.sentry.defense.Guard}).
     *
     * @return its exit status: the exit code, or 128 + the number of the signal that killed it
     * @throws SentryException if it cannot be started (not found, not executable) or supervised
     */
    public int run(List<String> argv) throws SentryException {
        if (argv.isEmpty()) {
            throw new SentryException("no command to run");
        }
        String program = resolve(argv.get(0));
        Tracer t = new Tracer(state, catalog, runId, log, allowPtrace);
        // A session created while the program runs is published only once every task has the
        // filter layer it needs; the create fails, naming the task, if one cannot take it.
        dev.seccheck.state.SyscallPointsPreparer refilter = t::prepare;
        state.addPreparer(refilter);
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("seccheck-tracer").start(() -> {
            try {
                result.complete(t.run(program, argv));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        tracer.complete(t);
        try {
            return outcome(result, "supervisor failed");
        } finally {
            state.removePreparer(refilter);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Returns the signal that killed the program of the finished {@link #run}, if a signal did:
     * a shell that started seccheck should see seccheck end the same way.
     */
    public OptionalInt killedBy() {
        Tracer t = tracer.getNow(null);
        return t == null ? OptionalInt.empty() : t.killedBy();
    }

    /**
     * Runs another command inside this run's supervision ({@code seccheck exec}): the same
     * sessions see it, its tasks marked as an exec session. Blocks until it exits.
     *
     * @param env its environment ("NAME=value"); its PATH finds the program
     * @param stdio descriptors of this process to become its stdin, stdout and stderr
     * @param started told its pid once it is attached, before its program runs (it must not block)
     * @return how its first process ended: exited with a code, or killed by a signal
     */
    public WaitStatus exec(List<String> argv, List<String> env, String cwd, int[] stdio, java.util.function.IntConsumer started)
            throws SentryException {
        Tracer t = tracer.getNow(null);
        if (t == null || !t.started().isDone() || t.started().isCompletedExceptionally()) {
            throw new SentryException("the workload is not running");
        }
        if (argv.isEmpty()) {
            throw new SentryException("no command to run");
        }
        String path = env.stream().filter(e -> e.startsWith("PATH=")).map(e -> e.substring(5)).findFirst()
                .orElse(System.getenv("PATH"));
        String program = resolve(argv.get(0), path, Path.of(cwd));
        return outcome(t.exec(program, argv, env, cwd, stdio, started), "exec failed");
    }

    /**
     * Waits for the tracer thread's answer: its SentryException as it is, another failure as one
     * saying {@code failed}.
     */
    private static <T> T outcome(Future<T> answer, String failed) throws SentryException {
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SentryException se) {
                throw se;
            }
            throw new SentryException(failed + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SentryException("interrupted");
        }
    }

    /** Returns the pid of the workload's first process once it started (empty before). */
    public Optional<Integer> pid() {
        Tracer t = tracer.getNow(null);
        if (t == null || !t.started().isDone() || t.started().isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of(t.started().join());
    }

    /**
     * Calls {@code then} with the pid of the workload's first process once it is attached, before
     * its program runs (at once if it is already), on whichever thread completes that; never if it
     * does not start.
     */
    public void whenStarted(java.util.function.IntConsumer then) {
        tracer.thenAccept(t -> t.started().thenAccept(then::accept));
    }

    /** Returns the processes under supervision right now. */
    public Collection<Integer> processes() {
        Tracer t = tracer.getNow(null);
        return t == null ? List.of() : t.processes();
    }

    /** Forwards a signal to the workload's first process; returns false if it is not running. */
    public boolean signal(int sig) {
        if (pid().isEmpty()) {
            return false;
        }
        // Through the tracer's pidfd of it: by number, a signal forwarded once it had ended and
        // been reaped reached whatever process had taken the number.
        return tracer.getNow(null).signalRoot(sig) == 0;
    }

    /**
     * Forwards {@code sig}, which process {@code sender} (uid {@code senderUid}) sent seccheck, to the
     * workload's first process: it arrives from that sender, and once when that process had it from
     * the sender as well (a signal to seccheck's whole process group reaches both); returns false
     * if it is not running. A sender of 0 (unknown) makes it {@link #signal}.
     */
    public boolean forward(int sig, int sender, int senderUid) {
        Tracer t = tracer.getNow(null);
        if (sender != 0 && t != null && pid().isPresent()) {
            t.forwarding(sig, sender, senderUid);
        }
        return signal(sig);
    }

    /**
     * Finds a program the way a shell does (execvp): a name with a slash is the name to execute,
     * as it is; any other is the first executable regular file of that name in PATH, named as
     * execvp names it ({@code dir/name}). The kernel resolves the name at the execve, from the
     * cwd: {@code lnk/../prog} is where {@code lnk} leads, not {@code ./prog}, and a script run
     * as {@code ./s.sh} sees that as its $0. What is checked here only chooses the error a
     * missing or unexecutable file is reported with.
     */
    static String resolve(String command) throws SentryException {
        return resolve(command, System.getenv("PATH"), Path.of("").toAbsolutePath());
    }

    private static String resolve(String command, String path, Path cwd) throws SentryException {
        if (command.contains("/")) {
            Path p = cwd.resolve(command); // not normalized: the file system follows each link before its ".."
            if (!Files.exists(p)) {
                throw new SentryException(command + ": no such file", null, 127);
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p) || !anyExecuteBit(p)) {
                throw new SentryException(command + ": not an executable file", null, 126);
            }
            return command;
        }
        for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator, -1)) {
            // An empty entry is the cwd: execvp then executes the bare name.
            String name = dir.isEmpty() ? command : dir + "/" + command;
            Path p = cwd.resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p) && anyExecuteBit(p)) {
                return name;
            }
        }
        throw new SentryException(command + ": command not found", null, 127);
    }

    /**
     * Whether any execute bit is set: for root, {@link Files#isExecutable} is true of every file,
     * while execve still refuses a file without one, and glibc's posix_spawn then reaps the
     * failed child before the tracer can see its status.
     */
    private static boolean anyExecuteBit(Path p) {
        try {
            var perms = Files.getPosixFilePermissions(p);
            return perms.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)
                    || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
