package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Poll waits for one file descriptor with poll(2); one instance per thread. */
public final class Poll {
    public static final short POLLIN = 1;
    /** Urgent data, or (a /proc/self/mountinfo) the mount table changed. */
    public static final short POLLPRI = 2;
    public static final short POLLOUT = 4;
    public static final short POLLERR = 8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    private final MemorySegment pollfd = Arena.ofAuto().allocate(Layouts.POLLFD);

    /** Creates a poller for the calling thread (it reuses one pollfd). */
    public Poll() {}

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for {@code events} on {@code fd}.
     *
     * @return the returned events, 0 on timeout or EINTR
     */
    public int poll(int fd, short events, int timeoutMillis) throws LinuxException {
        Layouts.POLL_FD.set(pollfd, fd);
        Layouts.POLL_EVENTS.set(pollfd, events);
        Layouts.POLL_REVENTS.set(pollfd, (short) 0);
        // EINTR is an answer here, like a timeout: the caller's loop checks its own deadline and
        // stop flag, which a retry with the full timeout would overrun.
        long r = NativeCall.orErrno(slot -> Libc.syscall(slot, Sysno.POLL, pollfd.address(), 1L, timeoutMillis),
                NativeCall.Restart.NEVER, Errno.EINTR, "poll", () -> Integer.toString(fd));
        return r <= 0 ? 0 : Layouts.POLL_REVENTS.get(pollfd) & 0xffff;
    }
}
