package dev.seccheck.control;

import dev.seccheck.linux.ThreadStarts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * RunPublication keeps a running run where the operator looks for it: its directory in the
 * runtime root, with its {@code run.json} and control socket. The supervised program runs as the
 * same user and can remove or rename that directory, or the root itself, for its own run or for any
 * other; the run would go on out of the operator's reach ({@code seccheck list} and {@code trace}
 * no longer find it). So a thread of the run looks, every {@link #PERIOD}, whether the root's entry
 * of its id is still the directory it made (same device and inode, one lstat), and otherwise makes
 * it again and has the control socket listen there ({@link Moved}), saying so on stderr the first
 * time.
 *
 * <p>A look at a period, not an inotify watch: a watch on the root misses the root itself being
 * renamed, and the program can use up the user's inotify instances (128 by default) before the run
 * takes one; one lstat a second costs nothing measurable and cannot be denied.
 */
public final class RunPublication implements AutoCloseable {
    /** How often the run looks at its entry in the runtime root. */
    static final Duration PERIOD = Duration.ofSeconds(1);

    /** What the run does once its directory was made again: listen there. */
    @FunctionalInterface
    public interface Moved {
        /** The run's directory is {@code dir} now. */
        void to(Path dir) throws IOException;
    }

    private final RuntimeRoot root;
    private final RunRecord record;
    private final Consumer<String> log;
    private final Moved moved;
    private final Thread thread;
    private volatile boolean stopped;
    /** The {dev, ino} of the directory the run made last; the looking thread's alone once started. */
    private long[] made;
    private boolean said;
    private String lastProblem;

    private RunPublication(RuntimeRoot root, RunRecord record, Path dir, Consumer<String> log, Moved moved)
            throws IOException {
        this.root = root;
        this.record = record;
        this.log = log;
        this.moved = moved;
        this.made = identity(dir);
        this.thread = Thread.ofPlatform().daemon().name("seccheck-runtime-dir").unstarted(this::loop);
    }

    /**
     * Starts looking after the run's directory {@code dir}, made for {@code record} in {@code root};
     * {@code log} is told what happens to it. Where no thread can be started (the user's limit),
     * says so and returns a publication that does not look.
     */
    public static RunPublication keep(RuntimeRoot root, RunRecord record, Path dir, Consumer<String> log, Moved moved)
            throws IOException {
        RunPublication p = new RunPublication(root, record, dir, log, moved);
        if (!ThreadStarts.tryStart(p.thread::start)) {
            log.accept("run " + record.id() + ": its runtime directory is not looked after (" + ThreadStarts.WHY
                    + "): a program that removes it makes the run unreachable");
        }
        return p;
    }

    private void loop() {
        while (!stopped) {
            LockSupport.parkNanos(this, PERIOD.toNanos());
            if (!stopped) {
                look();
            }
        }
    }

    /** Makes the run's directory again unless the root's entry of its id is still the one it made. */
    void look() {
        Path dir = root.path().resolve(record.id());
        try {
            if (java.util.Arrays.equals(identity(dir), made)) {
                return;
            }
        } catch (IOException gone) {
            // Removed (or the root was): made again below.
        }
        try {
            Path again = root.createAgain(record, log);
            long[] made = identity(again);
            moved.to(again);
            this.made = made;
            lastProblem = null;
            if (!said) {
                said = true;
                log.accept("run " + record.id() + ": its runtime directory " + dir
                        + " was removed or replaced; published it again");
            }
        } catch (ControlException | IOException | RuntimeException e) {
            // Said once a reason: the look a second later would say it again.
            String problem = "run " + record.id() + ": its runtime directory " + dir
                    + " was removed or replaced, and cannot be made again: " + e.getMessage();
            if (!Objects.equals(problem, lastProblem)) {
                lastProblem = problem;
                log.accept(problem);
            }
        }
    }

    private static long[] identity(Path dir) throws IOException {
        Map<String, Object> a = Files.readAttributes(dir, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        return new long[] {(Long) a.get("dev"), (Long) a.get("ino")};
    }

    /** Stops looking; the run is about to end. */
    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            if (thread.isAlive()) {
                thread.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
