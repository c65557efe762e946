package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SeccompListener;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.Spawn;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.defense.Guard;
import dev.seccheck.sentry.filter.ExecTrap;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Launch starts a program so that the tracer can attach to it before it runs.
 *
 * <p>A spawner thread installs, on itself only, the filter that holds the syscalls of enter-only
 * points for a listener, plus a trap on the one execve its posix_spawn child will make (see
 * {@link ExecTrap}, matching {@link Spawn.Prepared#execPathPointer}); the child inherits the
 * filter. The tracer then serves the listener in {@link #awaitChild}: held syscalls of this JVM's
 * own threads (the spawner) are continued at once; the first from another process is the child,
 * which stays held until the tracer has seized it. Seccomp allows one listener per filter chain,
 * so this listener serves the enter-only points of the whole process tree from then on.
 *
 * <p>The spawner runs no JVM code under its filter: everything is prepared in native memory
 * first, the install and the spawn are back to back ({@link Spawn#spawnUnderFilter}), the result
 * is handed over through one atomic (no lock, no future, no allocation), and the thread then waits
 * forever in native code with every signal blocked instead of exiting. Were JVM code to make a
 * held syscall (mmap to grow the heap, a futex in a lock) while holding a VM lock, the thread
 * serving the listener could need that lock or a safepoint, and with an mmap or futex point
 * enabled alone the run hung.
 */
final class Launch {

    /** The child's first held syscall and the listener it arrived on. */
    record Child(SeccompListener listener, SeccompNotification first) {}

    private static final long PENDING = Long.MIN_VALUE;
    private static final long FAILED = Long.MIN_VALUE + 1;

    private final List<String> argv;
    /** The guard compiled into the child's filter: the notifier decides what it held with this very one. */
    private final Guard guard;
    /** {@link Spawn#spawnUnderFilter}'s result, or PENDING, or FAILED with {@link #failure} set before. */
    private final AtomicLong outcome = new AtomicLong(PENDING);
    private volatile Throwable failure;
    /** The listener's descriptor once installed (-1 before), set by the spawner before it spawns. */
    private final AtomicInteger listenerFd = new AtomicInteger(-1);

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
     * stdio. The filter holds the {@code notified} syscalls, then applies {@code guard} (its
     * refusals held too), then {@code fragment}.
     */
    static Launch start(Path program, List<String> argv, List<String> env, String cwd, int[] stdio,
            FilterAction[] notified, Guard guard, Fragment fragment) {
        Launch l = new Launch(argv, guard);
        Thread.ofPlatform().daemon().name("seccheck-spawner").start(() -> {
            try {
                Spawn.Prepared p = stdio == null
                        ? Spawn.prepare(program.toString(), argv, CallerWorld.current())
                        : Spawn.prepare(program.toString(), argv, env, cwd, stdio);
                p.filter(SeccompFilter.compile(SeccompFilter.only(notified, FilterAction.NOTIFY),
                        ExecTrap.fragment(p.execPathPointer()).then(guard.fragment(true)).then(fragment)).encode());
                Spawn.blockAllSignals();
                l.outcome.set(Spawn.spawnUnderFilter(p, l.listenerFd));
            } catch (Throwable t) {
                l.failure = t;
                l.outcome.set(FAILED);
                return; // no filter on this thread: it may end
            }
            Spawn.parkForever();
        });
        return l;
    }

    /** On the tracer thread: waits for the child's first held syscall, serving the spawner's meanwhile. */
    Child awaitChild(int self) throws SentryException, LinuxException {
        while (listenerFd.get() == -1 && outcome.get() != FAILED) {
            Thread.onSpinWait();
        }
        if (outcome.get() == FAILED) {
            throw notStarted(failure);
        }
        SeccompListener listener = new SeccompListener(listenerFd.get());
        listener.setSyncWakeUp();
        Poll poll = new Poll();
        while (true) {
            long r = outcome.get();
            if (r != PENDING && Spawn.Spawned.of(r).errno() != 0) {
                listener.close();
                throw notStarted(new LinuxException("posix_spawn", Spawn.Spawned.of(r).errno()));
            }
            if ((poll.poll(listener.fd(), Poll.POLLIN, 20) & Poll.POLLIN) == 0) {
                continue;
            }
            SeccompNotification n;
            try {
                n = listener.receive();
            } catch (LinuxException e) {
                continue;
            }
            if (Procfs.status(n.tid()).map(Procfs.Status::tgid).orElse(-1) == self) {
                listener.allow(n.id());
            } else {
                return new Child(listener, n);
            }
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
