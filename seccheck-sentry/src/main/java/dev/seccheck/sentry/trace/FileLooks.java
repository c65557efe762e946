package dev.seccheck.sentry.trace;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadStarts;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * FileLooks lets the tracer look at a file a program named (is it a {@code #!} script, its
 * attributes, its hash) without letting a filesystem that program serves hold the tracer, and with
 * it every task of the run: a FUSE server of the run can leave seccheck's own request unanswered
 * forever, and a thread waiting on it cannot even be killed. A look at a file on a local mount,
 * told without asking any filesystem ({@link MountTypes#onLocalMount}), runs on the caller's
 * thread; any other runs on a helper thread and is waited for at most {@link #WAIT_MS}; past that
 * the tracer goes on without it (the fields it would have filled are left out) and the look is
 * interrupted: one still computing ends there, one in a wait its filesystem never ends stays in it.
 * After {@link #MAX_STUCK} helpers are left waiting, such looks are not made at all. Thread-safe.
 */
final class FileLooks {

    /** How long the tracer waits for a look on a filesystem that may block. */
    static final long WAIT_MS = 200;
    /** How long an interrupted look may take to end before its helper is counted stuck. */
    static final long INTERRUPTED_MS = 50;
    /** How many helpers may be left waiting before such looks are given up altogether. */
    static final int MAX_STUCK = 4;

    private final MountTypes mounts = new MountTypes();
    private final Consumer<String> log;
    private ExecutorService helper;
    private int stuck;

    FileLooks(Consumer<String> log) {
        this.log = log;
    }

    /**
     * Runs {@code look} at the file {@code magicLink} leads to ({@code /proc/PID/exe},
     * {@code /proc/PID/fd/N}): on the caller's thread when that file is on a local mount, which a
     * magic link tells without asking the file's filesystem ({@link MountTypes#onLocalMount}).
     */
    <T> Optional<T> lookAt(int tid, String magicLink, Callable<T> look) {
        return mounts.onLocalMount(tid, magicLink) ? inline(look) : bounded(tid, look);
    }

    /**
     * The stat of the file {@code magicLink} leads to, following it as stat(2) does: taken with
     * the look at its mount when that is local ({@link MountTypes#look}: one open of the link for
     * both), else stat(2) on the helper, bounded; empty when neither tells.
     */
    Optional<PathCalls.Stat> statAt(int tid, String magicLink) {
        MountTypes.Look l = mounts.look(tid, magicLink);
        return l.local() ? Optional.ofNullable(l.stat()) : bounded(tid, () -> FileStat.of(Path.of(magicLink)));
    }

    /**
     * Runs {@code look} for task {@code tid} on the helper, whatever the task's namespace holds:
     * for a look already known to need a filesystem that is not local.
     */
    <T> Optional<T> lookElsewhere(int tid, Callable<T> look) {
        return bounded(tid, look);
    }

    private static <T> Optional<T> inline(Callable<T> look) {
        try {
            return Optional.ofNullable(look.call());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private <T> Optional<T> bounded(int tid, Callable<T> look) {
        ExecutorService used;
        Future<T> f;
        synchronized (this) {
            if (stuck >= MAX_STUCK) {
                return Optional.empty();
            }
            if (helper == null) {
                helper = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("seccheck-file-look").factory());
            }
            used = helper;
            try {
                f = used.submit(look);
            } catch (OutOfMemoryError e) {
                if (!ThreadStarts.refused(e)) {
                    throw e;
                }
                log.accept("a file of task " + tid + " was not looked at: " + ThreadStarts.WHY
                        + "; its fields are left out");
                return Optional.empty();
            }
        }
        try {
            return Optional.ofNullable(f.get(WAIT_MS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            // A look still running is interrupted: one that computes (a hash of a large file on a
            // memfd, which is no local mount) ends at its next read, and its helper is free again;
            // before, it hashed on to the file's end (a sparse 1 EiB memfd: until the run ended, four
            // such at once taking both CPUs). One waiting on its filesystem stays in that wait.
            f.cancel(true);
            boolean ended = ends(used);
            synchronized (this) {
                // The helper waits on the filesystem: later looks get a new one (once, when the
                // tracer and the notifier both waited on the same helper).
                if (!ended && helper == used) {
                    used.shutdown();
                    helper = null;
                    stuck++;
                }
                log.accept("a file of task " + tid + " did not answer within " + WAIT_MS + " ms (a filesystem that"
                        + " may block: FUSE, network; or a file seccheck took too long to read); its fields are left out"
                        + (stuck >= MAX_STUCK ? ", and from now on files on such filesystems are not looked at" : ""));
            }
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Whether the helper {@code used}, whose look was just interrupted, is idle again within
     * {@link #INTERRUPTED_MS}: a look that computes ends at its next read; one in a read its
     * filesystem never answers does not.
     */
    private static boolean ends(ExecutorService used) {
        try {
            return used.submit(() -> { }).get(INTERRUPTED_MS, TimeUnit.MILLISECONDS) == null;
        } catch (TimeoutException | ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Ends the helper (a stuck one stays in its wait); at the run's end. */
    synchronized void close() {
        if (helper != null) {
            helper.shutdown();
            helper = null;
        }
    }
}
