package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NONBLOCK;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.linux.PathCalls;
import java.util.List;

/**
 * FifoEnd ends an open of a FIFO that waits for the other end ({@link Waits}): it opens that end
 * itself, without waiting, and closes it at once, so the open it performs returns. A process of
 * the program waiting on the same FIFO's other end then sees that end opened and closed, as if a
 * process had come and gone. Such an open also ends every other open waiting on the same side of
 * that FIFO, so its {@link #reach} is that side: a wait is ended only while no awaited one waits
 * there, and until then its thread stays taken (a program looping on interrupted opens of one FIFO
 * holds a thread per interrupted open until it stops, and past the pool's bound its opens fail with
 * EAGAIN meanwhile).
 *
 * @param fifo our O_PATH fd of the FIFO, open while the wait lasts
 * @param reads whether the waiting open is for reading (else for writing)
 */
record FifoEnd(int fifo, boolean reads) implements Waits.Ender {

    /** The FIFO and its side: {device, inode, 1 for reading}; empty when it cannot be told. */
    @Override
    public Object reach(PathCalls calls) {
        PathCalls.Stat st = calls.fstat(fifo);
        return st == null ? List.of() : List.of(st.dev(), st.ino(), reads ? 1L : 0L);
    }

    @Override
    public void end(PathCalls calls) {
        int other = calls.openat(AT_FDCWD, "/proc/self/fd/" + fifo, (reads ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
        PathCalls.close(other);
    }
}
