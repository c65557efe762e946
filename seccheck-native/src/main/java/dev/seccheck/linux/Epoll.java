package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Epoll is an epoll(7) instance: one thread waits for many descriptors at once, each registered
 * with a caller-chosen 64-bit token that comes back with its ready events. It lets a server hold
 * thousands of connections on one thread instead of one blocked thread (and buffer) each.
 *
 * <p>Not thread-safe: the thread that calls {@link #await} owns it, and reads the results of the
 * last wait with {@link #token} and {@link #events} before waiting again.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;

    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;

    /** struct epoll_event is packed on x86-64: the 64-bit data follows the 32-bit events directly. */
    private static final StructLayout EVENT = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("events"),
            ValueLayout.JAVA_LONG_UNALIGNED.withName("data"));
    private static final VarHandle EVENTS = EVENT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("events"));
    private static final VarHandle DATA = EVENT.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("data"));

    private static final MethodHandle CREATE = Libc.withErrno("epoll_create1",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));
    private static final MethodHandle CTL = Libc.withErrno("epoll_ctl",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle WAIT = Libc.withErrno("epoll_wait",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle CLOSE = Libc.withErrno("close", FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));

    private final int epfd;
    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ready;
    private final MemorySegment change;
    private boolean closed;

    private Epoll(int epfd, int capacity) {
        this.epfd = epfd;
        this.capacity = capacity;
        this.ready = arena.allocate(MemoryLayout.sequenceLayout(capacity, EVENT));
        this.change = arena.allocate(EVENT);
    }

    /** Creates an instance that reports at most {@code capacity} ready descriptors per wait. */
    public static Epoll create(int capacity) throws LinuxException {
        if (capacity < 1) {
            throw new IllegalArgumentException("epoll capacity must be at least 1, got " + capacity);
        }
        int fd;
        try {
            fd = (int) CREATE.invokeExact(Libc.errnoSlot(), EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (fd < 0) {
            throw new LinuxException("epoll_create1(EPOLL_CLOEXEC)", Libc.lastErrno());
        }
        return new Epoll(fd, capacity);
    }

    /** Watches {@code fd} for {@code events} (level-triggered); a wait reports it with {@code token}. */
    public void add(int fd, int events, long token) throws LinuxException {
        EVENTS.set(change, 0L, 0L, events);
        DATA.set(change, 0L, 0L, token);
        ctl(EPOLL_CTL_ADD, fd, change, "EPOLL_CTL_ADD");
    }

    /** Stops watching {@code fd}; call before closing it. */
    public void remove(int fd) throws LinuxException {
        ctl(EPOLL_CTL_DEL, fd, MemorySegment.NULL, "EPOLL_CTL_DEL");
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for a watched descriptor to be ready.
     *
     * @return how many are ready (0 on timeout or EINTR); read each with {@link #token} and {@link #events}
     */
    public int await(int timeoutMillis) throws LinuxException {
        int n;
        try {
            n = (int) WAIT.invokeExact(Libc.errnoSlot(), epfd, ready, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (n < 0) {
            int errno = Libc.lastErrno();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new LinuxException("epoll_wait(" + epfd + ")", errno);
        }
        return n;
    }

    /** Returns the token of the {@code i}-th ready descriptor of the last wait. */
    public long token(int i) {
        return (long) DATA.get(ready, 0L, (long) i);
    }

    /** Returns the ready events of the {@code i}-th ready descriptor of the last wait. */
    public int events(int i) {
        return (int) EVENTS.get(ready, 0L, (long) i);
    }

    /** Closes the epoll descriptor; later calls do nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(Libc.errnoSlot(), epfd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        arena.close();
    }

    private void ctl(int op, int fd, MemorySegment event, String opName) throws LinuxException {
        int r;
        try {
            r = (int) CTL.invokeExact(Libc.errnoSlot(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            throw new LinuxException("epoll_ctl(" + epfd + ", " + opName + ", " + fd + ")", Libc.lastErrno());
        }
    }
}
