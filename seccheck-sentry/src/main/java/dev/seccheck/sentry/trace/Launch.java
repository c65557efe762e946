package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompListener;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.Spawn;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.filter.ExecTrap;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Launch starts a program so that the tracer can attach to it before it runs.
 *
 * <p>A short-lived spawner thread installs, on itself only, the filter that holds the syscalls of
 * enter-only points for a listener, plus a trap on the one execve its posix_spawn child will make
 * (see {@link ExecTrap}, matching {@link Spawn.Prepared#execPathPointer}); the child inherits the filter. The tracer then
 * serves the listener in {@link #awaitChild}: held syscalls of this JVM's own threads (the
 * spawner) are continued at once; the first from another process is the child, which stays held
 * until the tracer has seized it. Seccomp allows one listener per filter chain, so this listener
 * serves the enter-only points of the whole process tree from then on. The filter may carry
 * further fragments, e.g. {@link MmapPoints#FILTER_FRAGMENT}.
 */
final class Launch {

    /** The child's first held syscall and the listener it arrived on. */
    record Child(SeccompListener listener, SeccompNotification first) {}

    private final List<String> argv;
    private final AtomicInteger listenerFd = new AtomicInteger(-1);
    private final CompletableFuture<Integer> spawned = new CompletableFuture<>();

    private Launch(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    /**
     * Starts the spawner thread. {@code env}, {@code cwd} and {@code stdio} may be null to inherit
     * this process's.
     */
    static Launch start(Path program, List<String> argv, List<String> env, String cwd, int[] stdio,
            FilterAction[] notified, Fragment fragment) {
        Launch l = new Launch(argv);
        Thread.ofPlatform().name("seccheck-spawner").start(() -> {
            Spawn.Prepared p = stdio == null
                    ? Spawn.prepare(program.toString(), argv)
                    : Spawn.prepare(program.toString(), argv, env, cwd, stdio);
            try (p) {
                byte[] filter = SeccompFilter.compile(SeccompFilter.only(notified, FilterAction.NOTIFY),
                        ExecTrap.fragment(p.execPathPointer()).then(fragment)).encode();
                Seccomp.setNoNewPrivs();
                // Handed over through an atomic, not a lock or a future: once the filter is on, any
                // syscall of this thread may wait for the listener, which nobody serves yet.
                l.listenerFd.set(Seccomp.installFilter(filter, Seccomp.FILTER_FLAG_NEW_LISTENER));
                l.spawned.complete(Spawn.spawn(p));
            } catch (Throwable t) {
                l.listenerFd.compareAndSet(-1, -2);
                l.spawned.completeExceptionally(t);
            }
        });
        return l;
    }

    /** On the tracer thread: waits for the child's first held syscall, serving the spawner's meanwhile. */
    Child awaitChild(int self) throws SentryException, LinuxException {
        while (listenerFd.get() == -1) {
            Thread.onSpinWait();
        }
        if (listenerFd.get() < 0) {
            await();
        }
        SeccompListener listener = new SeccompListener(listenerFd.get());
        listener.setSyncWakeUp();
        Poll poll = new Poll();
        while (true) {
            if (spawned.isCompletedExceptionally()) {
                listener.close();
                await();
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

    private void await() throws SentryException {
        try {
            spawned.get();
            throw new SentryException("cannot start " + argv.get(0) + ": the spawner ended without a child");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof LinuxException le && le.errno() == Errno.ENOENT) {
                throw new SentryException(argv.get(0) + ": command not found", le);
            }
            throw new SentryException("cannot start " + argv.get(0) + ": " + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SentryException("interrupted while starting " + argv.get(0));
        }
    }
}
