package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Poll waits for one file descriptor with poll(2); one instance per thread. */
public final class Poll {
    public static final short POLLIN = 1;
    public static final short POLLERR = 8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    private static final MethodHandle POLL =
            Libc.withErrno("poll", FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_LONG, Libc.C_INT));

    private final MemorySegment pollfd = Arena.ofAuto().allocate(8, 4);

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for {@code events} on {@code fd}.
     *
     * @return the returned events, 0 on timeout or EINTR
     */
    public int poll(int fd, short events, int timeoutMillis) throws LinuxException {
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        MemorySegment slot = Libc.errnoSlot();
        int r;
        try {
            r = (int) POLL.invokeExact(slot, pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Libc.errno(slot);
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new LinuxException("poll(" + fd + ")", errno);
        }
        return r == 0 ? 0 : pollfd.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
    }
}
