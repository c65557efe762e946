package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * FifoWaits ends the FIFO opens seccheck performs for tasks that are gone. An open of a FIFO
 * waits, on a thread of seccheck's pool, for the other end to be opened; when its task is killed
 * meanwhile, nothing else would end that wait, and the thread was lost for the rest of the run: a
 * program that started and killed such openers 1,024 times made every later call that may wait
 * fail with EAGAIN (the pool's bound). A sweeper looks at the waiting tasks every
 * {@link #SWEEP_MS} ms and, for one that is gone (or a zombie, or its number another task's now),
 * opens the FIFO's other end itself, without waiting, and closes it at once: the open it performs
 * for the task returns, and the pool thread finds the call no longer awaited. A process of the
 * program waiting on the same FIFO's other end then sees that end opened and closed, as if a
 * process had come and gone. Process-wide: the FIFOs are reached through seccheck's own fds.
 */
final class FifoWaits {

    /** How often the waiting tasks are looked at. */
    static final long SWEEP_MS = 250;

    /** The one instance of this JVM. */
    static final FifoWaits ALL = new FifoWaits();

    /** One open waiting: its task, our O_PATH fd of the FIFO, the side it opens, and whether it ended. */
    private static final class Wait {
        final int tid;
        final long startTicks;
        final int fifo;
        final boolean reads;
        boolean ended;

        Wait(int tid, long startTicks, int fifo, boolean reads) {
            this.tid = tid;
            this.startTicks = startTicks;
            this.fifo = fifo;
            this.reads = reads;
        }
    }

    private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
    private Thread sweeper;

    private FifoWaits() {}

    /**
     * Performs {@code open}, an open of the FIFO our O_PATH fd {@code fifo} names for task
     * {@code tid}, for reading when {@code reads} (else for writing), which may wait for the other
     * end; ended as above if the task is gone meanwhile. Returns what {@code open} returns.
     */
    int around(int tid, int fifo, boolean reads, IntSupplier open) {
        OptionalLong start = Procfs.startTicks(tid);
        if (start.isEmpty()) {
            return open.getAsInt(); // gone already: its answer goes nowhere, and it is not waited for below
        }
        Wait w = new Wait(tid, start.getAsLong(), fifo, reads);
        waits.add(w);
        sweeping();
        try {
            return open.getAsInt();
        } finally {
            synchronized (w) {
                w.ended = true; // before the caller releases our fd of the FIFO
            }
            waits.remove(w);
        }
    }

    private synchronized void sweeping() {
        if (sweeper == null) {
            sweeper = Thread.ofPlatform().daemon().name("seccheck-fifo-waits").start(this::sweep);
        }
    }

    private void sweep() {
        PathCalls calls = new PathCalls();
        while (true) {
            try {
                Thread.sleep(SWEEP_MS);
            } catch (InterruptedException e) {
                return;
            }
            for (Wait w : waits) {
                if (gone(w)) {
                    end(calls, w);
                }
            }
        }
    }

    /** Whether the task of {@code w} has exited (or is a zombie), or its number is another task's now. */
    private static boolean gone(Wait w) {
        try {
            String[] stat = Procfs.statFieldsAfterComm(w.tid);
            return stat[0].equals("Z") || stat[0].equals("X") || Procfs.statStartTicks(stat) != w.startTicks;
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    /** Opens the other end of {@code w}'s FIFO without waiting and closes it, unless its open ended already. */
    private static void end(PathCalls calls, Wait w) {
        synchronized (w) {
            if (!w.ended) {
                int other = calls.openat(AT_FDCWD, "/proc/self/fd/" + w.fifo, (w.reads ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
                PathCalls.close(other);
            }
        }
    }
}
