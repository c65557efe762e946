package dev.seccheck.sentry.emulate;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * ExecutableMoves remembers, by device and inode, the files seccheck renamed out of a rule on what
 * runs (a deny or kill rule on sentry/execve's {@code binary_path}), for the execs in flight
 * meanwhile. The kernel opens an executed file by the name the exec call passes, and the exec
 * event, where seccheck decides, names the file by the name it has then: a rename of the file, or
 * of a directory above it, made after the kernel's open and before that look would have the exec
 * decided on the new name. So each exec takes a {@link #mark} at its enter, and at its event
 * {@link #unsettled} says whether a rename out of such a rule since then moved a file it ran,
 * waiting first (at most {@link #WAIT_NS}) for the renames being made to be recorded.
 *
 * <p>Every rename seccheck makes while a rule on what runs decides is made under one lock
 * ({@link #renaming}), from the look at what its old name holds to the look at what its new name
 * holds once made, so that no other rename of the program's moves a file in between: only the
 * program's own unlinks and creates, which give no file another name, can change what a name
 * holds then, and a file that lost its name is caught at the exec event by its name being gone.
 * A file or directory whose identity the look after the rename does not confirm, or a tree too
 * large to list, is recorded as untold: the execs in flight then are killed.
 *
 * <p>Thread-safe: renames are recorded on the notifier and the emulation threads, marks taken on
 * whichever thread sees an exec's enter, and looked up on the tracer thread.
 */
public final class ExecutableMoves {

    /** How many moved files are kept: an exec whose flight saw more is killed, as one forgotten may be its own. */
    static final int KEPT = 4096;

    /** How long an exec event waits for a rename out of a rule on what runs being made, before it kills the exec. */
    static final long WAIT_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final ReentrantLock renames = new ReentrantLock();
    private final long[] devs = new long[KEPT];
    private final long[] inos = new long[KEPT];
    /** How many files have been recorded (the sequence number of the next). */
    private long next;
    /** The sequence number of the latest record that stands for a file seccheck could not tell; -1: none. */
    private long untold = -1;
    /** The renames out of a rule on what runs begun and not yet looked at once made ({@link #making}). */
    private int making;

    /** A rename's hold of the lock, released once its new name was looked at. */
    @FunctionalInterface
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** The place an exec that enters now starts from, for {@link #unsettled}. */
    public synchronized long mark() {
        return next;
    }

    /**
     * A rename out of a rule on what runs begins: until it is {@link #made}, an exec event waits
     * for it (the kernel may have renamed, and the new name not been looked at yet).
     */
    synchronized void making() {
        making++;
    }

    /** The rename begun with {@link #making} was made (or not) and what it moved recorded. */
    synchronized void made() {
        making--;
        notifyAll();
    }

    /** Records the file {@code dev}, {@code ino} as moved out of a rule on what runs. */
    synchronized void moved(long dev, long ino) {
        int at = (int) (next % KEPT);
        devs[at] = dev;
        inos[at] = ino;
        next++;
    }

    /** Records a move out of a rule on what runs of a file seccheck could not tell. */
    synchronized void movedUntold() {
        untold = next;
        moved(-1, -1);
    }

    /**
     * Why the exec that took {@code mark} at its enter may not be decided on the name of a file it
     * ran ({@code dev}, {@code ino}; {@code nameGone}: the kernel's name for it, at the exec event,
     * is of a name since removed), or null when no rename out of a rule on what runs since then
     * moved it.
     */
    public synchronized String unsettled(long mark, long dev, long ino, boolean nameGone) {
        long deadline = System.nanoTime() + WAIT_NS;
        while (making > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return "a rename out of a rule on what runs was still being made when its exec was decided";
            }
            try {
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "a rename out of a rule on what runs was being made when its exec was decided";
            }
        }
        if (next == mark) {
            return null;
        }
        if (next - mark > KEPT) {
            return "more than " + KEPT + " files were renamed out of a rule on what runs while its exec was in flight";
        }
        if (untold >= mark) {
            return "a rename out of a rule on what runs, made while its exec was in flight, moved a file seccheck"
                    + " could not tell";
        }
        if (nameGone) {
            return "a file it executed lost the name the exec used while a rename out of a rule on what runs was made";
        }
        for (long s = mark; s < next; s++) {
            int at = (int) (s % KEPT);
            if (devs[at] == dev && inos[at] == ino) {
                return "a file it executed was renamed out of a rule on what runs while its exec was in flight";
            }
        }
        return null;
    }

    /**
     * Takes the lock every rename holds while a rule on what runs decides ({@link ExecutableMoves}),
     * waiting for it when {@code wait}; else null when another rename holds it (the notifier leaves
     * its call to a pool thread rather than wait).
     */
    Held renaming(boolean wait) {
        if (wait) {
            renames.lock();
        } else if (!renames.tryLock()) {
            return null;
        }
        return renames::unlock;
    }
}
