package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
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
 * One write(2) per call until all is written, a poll for POLLOUT after each EAGAIN; EINTR
 * retries. Any other error is an IOException, as from a {@code FileOutputStream}.
 */
public final class StandardOutput extends OutputStream {
    private final int fd;
    private final Poll poll = new Poll();
    private final Arena arena = Arena.ofAuto();
    private MemorySegment buffer;

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
        try {
            while (done < len) {
                long at = buffer.address() + done;
                long left = len - done;
                long n = NativeCall.orErrno(slot -> Libc.syscall(slot, Sysno.WRITE, fd, at, left),
                        NativeCall.Restart.ON_EINTR, Errno.EAGAIN, "write", () -> "fd " + fd + ", " + left + " bytes");
                if (n == -Errno.EAGAIN) {
                    poll.poll(fd, Poll.POLLOUT, -1);
                } else {
                    done += n;
                }
            }
        } catch (LinuxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
