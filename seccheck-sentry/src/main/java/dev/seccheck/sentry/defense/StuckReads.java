package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Signals;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * StuckReads keeps a filesystem the supervised program serves from holding seccheck through its
 * memory. seccheck reads a task's syscall arguments from the task's memory (process_vm_readv);
 * a program can point an argument into a shared mapping of a file on a FUSE filesystem it serves
 * itself, not yet paged in, and leave the page's read unanswered. The reading thread (the tracer,
 * the notifier) then waits in the kernel, where no signal reaches it, and with it every task of
 * the run. A watchdog thread looks at the oldest read in progress ({@link
 * ProcessMemory#longestTransferNanos}) four times a second; one older than {@link #STUCK_NANOS}
 * gets the processes of the run that hold {@code /dev/fuse} killed. A filesystem whose server is
 * gone is aborted by the kernel: the read fails, and the run goes on with that syscall refused as
 * unreadable. A read that waits on a filesystem no process of the run serves is logged once.
 */
public final class StuckReads implements AutoCloseable {

    /** A read this old is not slow storage but a server that does not answer. */
    static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long PERIOD_MS = 250;
    private static final String FUSE_DEVICE = "/dev/fuse";

    private final Supplier<Collection<Integer>> processes;
    private final Consumer<String> log;
    private final Thread watchdog;
    private volatile boolean closed;
    /** Whether the read stuck now was logged already (tells one long wait from the next). */
    private boolean reported;
    /** The processes killed so far, each said once (a killed process may take a moment to go). */
    private final Set<Integer> killedBefore = new HashSet<>();

    /**
     * @param processes the thread group ids of the run's live processes
     * @param log where a kill, or a wait nothing can end, is said
     */
    public StuckReads(Supplier<Collection<Integer>> processes, Consumer<String> log) {
        this.processes = processes;
        this.log = log;
        this.watchdog = Thread.ofPlatform().daemon().name("seccheck-watchdog").unstarted(this::watch);
    }

    /** Starts watching. */
    public StuckReads start() {
        watchdog.start();
        return this;
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            long waited = ProcessMemory.longestTransferNanos();
            if (waited < STUCK_NANOS) {
                reported = false;
                continue;
            }
            Set<Integer> killed = killServers();
            if (!reported) {
                reported = true;
                long ms = TimeUnit.NANOSECONDS.toMillis(waited);
                if (killed.isEmpty()) {
                    log.accept("a read of a supervised task's memory has waited " + ms + " ms on a filesystem no"
                            + " process of the run serves; seccheck waits for it (README, \"Security\")");
                }
            }
        }
    }

    /**
     * Kills every process of the run holding {@code /dev/fuse}, the servers of the filesystems its
     * memory may be mapped from, and says which.
     *
     * @return the processes killed
     */
    Set<Integer> killServers() {
        Set<Integer> killed = new HashSet<>();
        for (int pid : processes.get()) {
            if (!servesAFilesystem(pid)) {
                continue;
            }
            String name = Procfs.comm(pid);
            try {
                Signals.kill(pid, Signal.SIGKILL);
                killed.add(pid);
                if (!killedBefore.add(pid)) {
                    continue;
                }
                log.accept("killed process " + pid + " (" + name + "): it serves a filesystem (" + FUSE_DEVICE
                        + ") and a read of a supervised task's memory has waited on it for "
                        + TimeUnit.NANOSECONDS.toSeconds(STUCK_NANOS) + " s");
            } catch (LinuxException e) {
                // Gone already.
            }
        }
        return killed;
    }

    /** Whether process {@code pid} has {@code /dev/fuse} open. */
    static boolean servesAFilesystem(int pid) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Procfs.dir(pid).resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(FUSE_DEVICE)) {
                        return true;
                    }
                } catch (IOException e) {
                    // Closed meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone, or its descriptors are closed to us.
        }
        return false;
    }

    /** Stops watching. */
    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }
}
