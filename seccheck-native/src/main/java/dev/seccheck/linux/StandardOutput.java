package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * StandardOutput writes to one of this process's standard descriptors (1 or 2) and waits when
 * the descriptor's open file description is non-blocking and full, where a
 * {@code FileOutputStream} fails the write with EAGAIN. The description is shared with the
 * supervised program, which inherits it, so the program decides whether it blocks: it can set
 * O_NONBLOCK on it (node does so for its terminal), and a program that did, then filled the pipe
 * or suspended the terminal's output, made seccheck's lines about what it did next fail, dropped.
 * On a regular file it can set O_DIRECT instead, which fails unaligned writes with EINVAL: that
 * flag is cleared. One write(2) per call until all is written, a poll for POLLOUT after each
 * EAGAIN; EINTR retries. Any other error is an IOException, as from a {@code FileOutputStream}.
 */
public final class StandardOutput extends OutputStream {
    private final int fd;
    private final Poll poll = new Poll();
    private final Arena arena = Arena.ofAuto();
    private MemorySegment buffer;
    /**
     * How often one write clears O_DIRECT before it gives up: a thread of the program setting it
     * again in a loop would have to win every time.
     */
    private static final int MAX_CLEARS = 1000;

    /** Writes to descriptor {@code fd}, 1 or 2; the descriptor is never closed here. */
    public StandardOutput(int fd) {
        if (fd != 1 && fd != 2) {
            throw new IllegalArgumentException("not stdout or stderr: " + fd);
        }
        this.fd = fd;
        this.buffer = arena.allocate(8192);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (buffer.byteSize() < len) {
            buffer = arena.allocate(Math.max(len, 2 * buffer.byteSize()));
        }
        MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, len);
        long done = 0;
        int cleared = 0;
        while (done < len) {
            long n = Direct.call(Sysno.WRITE, fd, buffer.address() + done, len - done, 0);
            if (n >= 0) {
                done += n;
            } else if (n == -Errno.EAGAIN) {
                waitForRoom();
            } else if (n == -Errno.EINVAL && cleared < MAX_CLEARS && clearedDirectIo()) {
                cleared++;
            } else if (n != -Errno.EINTR) {
                LinuxException e = new LinuxException("write(fd " + fd + ", " + (len - done) + " bytes)", (int) -n);
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private void waitForRoom() throws IOException {
        try {
            poll.poll(fd, Poll.POLLOUT, -1);
        } catch (LinuxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Clears O_DIRECT from the description when it is set (it fails every write not aligned to
     * the file's blocks with EINVAL, and the program can set it on a regular file it shares with
     * seccheck's stdout or stderr); returns whether it was set. The program's own writes go on,
     * through the page cache.
     */
    private boolean clearedDirectIo() {
        long flags = Direct.call(Sysno.FCNTL, fd, Fcntl.F_GETFL, 0, 0);
        if (flags < 0 || (flags & Fcntl.O_DIRECT) == 0) {
            return false;
        }
        return Direct.call(Sysno.FCNTL, fd, Fcntl.F_SETFL, flags & ~Fcntl.O_DIRECT, 0) == 0;
    }
}
