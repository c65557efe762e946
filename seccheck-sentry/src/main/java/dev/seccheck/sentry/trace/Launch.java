package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.CpuTimeLimit;
import dev.seccheck.linux.FileDescriptor;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompListener;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Spawn;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.WaitStatus;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.sentry.defense.Seal;
import dev.seccheck.sentry.filter.ExecTrap;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompFilter;
import dev.seccheck.sentry.filter.TsyncHold;
import dev.seccheck.sentry.task.Task;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Launch starts a program so that the tracer can attach to it, and give it its seccomp filter,
 * before the program runs.
 *
 * <p>A spawner thread sets no_new_privs, installs on itself the {@link ExecTrap} (a filter without
 * listener that traces only the one execve its child will make) and calls posix_spawn. The child,
 * which inherits both, is held in its last file action (a blocking open of a FIFO, see
 * {@link Spawn}) before that execve. The tracer finds the child, seizes it, interrupts it and
 * makes it install, by injected syscalls, the filter that holds the syscalls of enter-only points
 * for a new listener, then applies {@link Guard} (its refusals held too) and the run's fragment;
 * it copies the listener with pidfd_getfd (the child's copy closes at its execve). {@link #release} then lets
 * the child go on to its execve, with the filter from its program's first instruction and the
 * caller's soft descriptor limit ({@link Spawn.Prepared#limitDescriptors}) and CPU time limits
 * ({@link CpuTimeLimit#giveTheOperators}). Seccomp
 * allows one listener per filter chain, so this listener serves the enter-only points of the
 * whole process tree from then on. The trap makes the hold safe: should another process of the
 * user open the FIFO early, an execve traced by no one fails with ENOSYS, and one the tracer sees
 * before it has installed the filter is refused by killing the child.
 *
 * <p>Why so, and not the listener's filter on the spawner thread for the child to inherit (as
 * before): a thread under a filter whose listener is served by Java code must never run JVM code
 * again (a held mmap or futex made with a VM lock held waits for a notifier that needs that lock
 * or a safepoint), so that spawner had to wait in native code for good: one parked kernel task per
 * launch, each named in every later launch's {@link Guard}, until some 1,700 launches outgrew a
 * seccomp program. Ending it with a raw {@code exit} would free the kernel task but leave the JVM's
 * thread, its stack and its objects behind for the life of the JVM. Here the spawner's own filter
 * matches nothing JVM code does and has no listener: the spawner blocks in posix_spawn only until
 * the child has executed (or ended), then ends as any thread does, and a launch leaves nothing
 * behind once its listener is closed.
 */
final class Launch {

    /** The launched process, attached and filtered, still held before its execve; and its listener. */
    record Child(int pid, Task task, SeccompListener listener, BooleanSupplier over) {
        /**
         * Returns whether a held syscall is the spawn's own, before its execve (the restarted
         * open of the hold, the execve): the caller is the launched process, and {@code over}
         * ({@link TaskLifecycle#launchOver}) says it has not executed nor ended yet. The run
         * reports the launch as its start, not as syscalls.
         */
        boolean isSpawnOwn(SeccompNotification n) {
            return n.tid() == pid && !over.getAsBoolean();
        }
    }

    /** How long the tracer waits for the spawner to prepare and for its child to appear: a spawn takes milliseconds. */
    private static final long START_DEADLINE_MS = 10_000;
    /** rt_sigaction's sigsetsize: the kernel's 64 signals. */
    private static final int KERNEL_SIGSET_BYTES = 8;
    /** How long a spawn's result may take to arrive once its child has ended. */
    private static final long RESULT_DEADLINE_MS = 5_000;

    private final List<String> argv;
    /** The guard compiled into the child's filter: the notifier decides what it held with this very one. */
    private final Guard guard;
    private final CompletableFuture<Spawn.Prepared> prepared = new CompletableFuture<>();
    private final CompletableFuture<Spawn.Spawned> spawned = new CompletableFuture<>();
    private int childPid;

    private Launch(List<String> argv, Guard guard) {
        this.argv = List.copyOf(argv);
        this.guard = guard;
    }

    /** Returns the guard in the child's filter (its refusals held for the supervisor, see {@link Guard#fragment(boolean)}). */
    Guard guard() {
        return guard;
    }

    /**
     * Starts the spawner thread: {@code seccheck run}'s program when {@code stdio} is null (in
     * the caller's world, see {@link CallerWorld}), else an exec with this environment, cwd and
     * stdio. The filter holds the {@code notified} syscalls, after tracing the seccomp calls that
     * change every thread's filters ({@link TsyncHold}) and applying {@code guard} (its refusals
     * held too), then {@code fragment}.
     */
    static Launch start(String program, List<String> argv, List<String> env, String cwd, int[] stdio,
            FilterAction[] notified, Guard guard, Fragment fragment) {
        Launch l = new Launch(argv, guard);
        Thread.ofPlatform().daemon().name("seccheck-spawner").start(() -> {
            Spawn.Prepared p = null;
            try {
                p = stdio == null
                        ? Spawn.prepare(program, argv, CallerWorld.current())
                        : Spawn.prepare(program, argv, env, cwd, stdio);
                p.trap(SeccompFilter.compile(new FilterAction[0], ExecTrap.fragment(p.execPathPointer())).encode());
                p.filter(SeccompFilter.compile(SeccompFilter.only(notified, FilterAction.NOTIFY),
                        TsyncHold.FRAGMENT.then(guard.fragment(true)).then(fragment)).encode());
            } catch (Throwable t) {
                if (p != null) {
                    p.abandon();
                }
                l.prepared.completeExceptionally(t);
                return;
            }
            l.prepared.complete(p);
            try {
                l.spawned.complete(Spawn.spawn(p)); // returns once the child has executed or ended
            } catch (Throwable t) {
                l.spawned.completeExceptionally(t);
            }
        });
        return l;
    }

    /**
     * On the tracer thread: attaches to the held child (registered in {@code lifecycle}) and
     * installs its filter; the child stays held until {@link #release}. A child that cannot be
     * attached or filtered is killed before it runs anything of its program.
     */
    Child attach(TaskLifecycle lifecycle, boolean execSession) throws SentryException, LinuxException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_DEADLINE_MS);
        Spawn.Prepared p = preparedBy(deadline);
        int pid = childOf(p, deadline);
        childPid = pid;
        try {
            Task task = Seal.whileAttaching(() -> lifecycle.seize(pid, execSession));
            Tracee t = lifecycle.tracee(pid);
            t.interrupt();
            awaitInterruptStop(t, lifecycle);
            Injector injector = new Injector(new ProcessMemory());
            ignoreAsTheCallerDid(injector, t, pid, p);
            int theirs = (int) injected(injector.callSharingMemory(t, pid, Sysno.SECCOMP, Seccomp.SET_MODE_FILTER,
                    Seccomp.FILTER_FLAG_NEW_LISTENER, p.filterAddress()), "seccomp(SET_MODE_FILTER, NEW_LISTENER)", pid);
            // The child's copy is close-on-exec (the kernel makes listeners so): closing it here
            // would be a syscall under the new filter, held for a notifier not yet serving.
            int ours = Seal.whileAttaching(() -> copyDescriptor(pid, theirs));
            SeccompListener listener = new SeccompListener(ours);
            // Last, once the child has taken its listener's descriptor: the caller's soft limit
            // may leave no room for one.
            p.limitDescriptors(pid);
            // seccheck took a CPU time limit of its own (CpuTimeLimit): the program has the operator's.
            CpuTimeLimit.giveTheOperators(pid);
            t.cont(0);
            return new Child(pid, task, listener, lifecycle.launchOver(pid));
        } catch (LinuxException | RuntimeException e) {
            kill(pid);
            OptionalInt errno = spawnErrno();
            throw errno.isPresent() ? notStarted(new LinuxException("posix_spawn", errno.getAsInt()))
                    : notStarted(e);
        }
    }

    /**
     * Gives up a launch no tracer will attach to (the run had no process left to start it in):
     * kills its held child, so that its spawner ends and its hold is removed.
     */
    void abandon() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_DEADLINE_MS);
        try {
            kill(childOf(preparedBy(deadline), deadline));
        } catch (SentryException e) {
            // It never started, or has ended already: nothing is held.
        }
    }

    /** Lets the attached child go on to its execve; kills it if that cannot be done. */
    void release() throws SentryException {
        try {
            prepared.join().release();
        } catch (LinuxException | RuntimeException e) {
            kill(childPid);
            throw notStarted(e);
        }
    }

    /**
     * Once the child has ended: the error posix_spawn reported when its execve failed (not found,
     * not executable), as {@code seccheck run} reports it, or empty when it executed.
     */
    java.util.Optional<SentryException> failure() {
        OptionalInt errno = spawnErrno();
        return errno.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(notStarted(new LinuxException("posix_spawn", errno.getAsInt())));
    }

    /**
     * Tells {@code failed} why the program did not start, from the thread posix_spawn returns on,
     * once it returns with an error: glibc's posix_spawn reaps a child whose execve failed, so the
     * tracer may never see that child end.
     */
    void whenFailed(java.util.function.Consumer<SentryException> failed) {
        spawned.thenAccept(s -> {
            if (s.errno() != 0) {
                failed.accept(notStarted(new LinuxException("posix_spawn", s.errno())));
            }
        });
    }

    private Spawn.Prepared preparedBy(long deadline) throws SentryException {
        try {
            return prepared.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw notStarted(e.getCause());
        } catch (TimeoutException e) {
            throw notStarted(new IllegalStateException("the spawner thread did not prepare the spawn within "
                    + START_DEADLINE_MS + " ms"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw notStarted(e);
        }
    }

    /** Waits for the spawner's child to appear: it is then held, or ended already (the spawn failed). */
    private int childOf(Spawn.Prepared p, long deadline) throws SentryException {
        while (true) {
            OptionalInt child = p.child();
            if (child.isPresent()) {
                return child.getAsInt();
            }
            if (spawned.isCompletedExceptionally()) {
                throw notStarted(spawned.exceptionNow());
            }
            if (spawned.isDone()) {
                Spawn.Spawned s = spawned.join();
                throw notStarted(s.errno() != 0 ? new LinuxException("posix_spawn", s.errno())
                        : new IllegalStateException("the child " + s.pid() + " ran before it could be attached"));
            }
            if (System.nanoTime() - deadline > 0) {
                throw notStarted(new IllegalStateException("posix_spawn's child did not appear within "
                        + START_DEADLINE_MS + " ms"));
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Waits for the PTRACE_EVENT_STOP asked for; a signal meanwhile is delivered as the tracer would. */
    private static void awaitInterruptStop(Tracee t, TaskLifecycle lifecycle) throws LinuxException {
        while (true) {
            WaitStatus st = t.await();
            if (!(st instanceof WaitStatus.Stopped s)) {
                throw new IllegalStateException("it ended before its filter was installed: " + st);
            }
            if (s.event() == dev.seccheck.linux.Ptrace.EVENT_STOP) {
                return;
            }
            if (s.event() == dev.seccheck.linux.Ptrace.EVENT_SECCOMP) {
                // Its execve, trapped: it left the hold before the release (another process of
                // this user opened the FIFO). It must not execute without its filter.
                throw new IllegalStateException("it reached its execve before it was released (its hold was opened"
                        + " by another process)");
            }
            t.cont(s.event() == 0 && !s.syscallStop() ? s.signal() : 0);
        }
    }

    /**
     * Makes the held child ignore every signal the caller ignored, before its filter exists (the
     * calls must not be held for a notifier not yet serving): posix_spawn only resets
     * dispositions, so without this a signal the JVM cannot ignore itself (USR2, its suspend
     * signal) would reach the program at its default action.
     */
    private static void ignoreAsTheCallerDid(Injector injector, Tracee t, int pid, Spawn.Prepared p) throws LinuxException {
        long ignored = p.ignoredSignals();
        for (int sig = 1; sig <= 64; sig++) {
            if ((ignored & (1L << (sig - 1))) != 0 && sig != Signal.SIGKILL && sig != Signal.SIGSTOP) {
                injected(injector.callSharingMemory(t, pid, Sysno.RT_SIGACTION, sig, p.ignoreActionAddress(), 0,
                        KERNEL_SIGSET_BYTES), "rt_sigaction(" + sig + ", SIG_IGN)", pid);
            }
        }
    }

    private static long injected(long r, String call, int pid) throws LinuxException {
        if (r < 0 && r >= -4095) {
            throw new LinuxException(call + " injected in " + pid, (int) -r);
        }
        return r;
    }

    private static int copyDescriptor(int pid, int fd) throws LinuxException {
        int pidfd = Syscalls.pidfdOpen(pid);
        try {
            return Syscalls.pidfdGetfd(pidfd, fd);
        } finally {
            FileDescriptor.closeNumber(pidfd);
        }
    }

    private static void kill(int pid) {
        if (pid > 0) {
            try {
                Signals.kill(pid, Signal.SIGKILL);
            } catch (LinuxException e) {
                // Already gone: nothing of its program ran.
            }
        }
    }

    /** posix_spawn's error once it returned (waiting for it a little: the child has ended), else empty. */
    private OptionalInt spawnErrno() {
        try {
            Spawn.Spawned s = spawned.get(RESULT_DEADLINE_MS, TimeUnit.MILLISECONDS);
            return s.errno() == 0 ? OptionalInt.empty() : OptionalInt.of(s.errno());
        } catch (ExecutionException | TimeoutException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    private SentryException notStarted(Throwable c) {
        if (c instanceof LinuxException le) {
            return switch (le.errno()) {
                case Errno.ENOENT -> new SentryException(argv.get(0) + ": command not found", le, 127);
                case Errno.EACCES, Errno.ENOEXEC, Errno.EISDIR -> new SentryException(
                        argv.get(0) + ": cannot execute: " + le.getMessage(), le, 126);
                default -> new SentryException("cannot start " + argv.get(0) + ": " + le.getMessage(), le);
            };
        }
        return new SentryException("cannot start " + argv.get(0) + ": " + c, c);
    }
}
