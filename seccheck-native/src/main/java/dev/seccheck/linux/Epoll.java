package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * Epoll is an epoll(7) instance: one thread waits for many descriptors at once, each registered
 * with a caller-chosen 64-bit token that comes back with its ready events. It lets a server hold
 * thousands of connections on one thread instead of one blocked thread (and buffer) each.
 *
 * <p>Not thread-safe: the thread that calls {@link #await} owns it, and reads the results of the
 * last wait with {@link #token} and {@link #events} before waiting again. One other thread may
 * {@link #add} while the owner waits or removes (the kernel allows epoll_ctl during epoll_wait and
 * reports a descriptor added meanwhile; {@code add} alone uses the change buffer).
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;

    /** The kernel defines EPOLL_CLOEXEC as O_CLOEXEC. */
    private static final int EPOLL_CLOEXEC = Fcntl.O_CLOEXEC;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;


    private final FileDescriptor fd;
    private final int capacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ready;
    private final MemorySegment change;
    private boolean closed;

    private Epoll(int epfd, int capacity) {
        this.fd = new FileDescriptor(epfd, "epoll");
        this.capacity = capacity;
        this.ready = arena.allocate(MemoryLayout.sequenceLayout(capacity, Layouts.EPOLL_EVENT));
        this.change = arena.allocate(Layouts.EPOLL_EVENT);
    }

    /** Creates an instance that reports at most {@code capacity} ready descriptors per wait. */
    public static Epoll create(int capacity) throws LinuxException {
        if (capacity < 1) {
            throw new IllegalArgumentException("epoll capacity must be at least 1, got " + capacity);
        }
        int epfd = (int) NativeCall.call(slot -> Libc.syscall(slot, Sysno.EPOLL_CREATE1, EPOLL_CLOEXEC),
                NativeCall.Restart.NEVER, "epoll_create1", () -> "EPOLL_CLOEXEC");
        return new Epoll(epfd, capacity);
    }

    /** Watches {@code target} for {@code events} (level-triggered); a wait reports it with {@code token}. */
    public void add(int target, int events, long token) throws LinuxException {
        Layouts.EPOLL_EVENTS.set(change, events);
        Layouts.EPOLL_DATA.set(change, token);
        ctl(EPOLL_CTL_ADD, target, change, "EPOLL_CTL_ADD");
    }

    /** Stops watching {@code target}; call before closing it. */
    public void remove(int target) throws LinuxException {
        ctl(EPOLL_CTL_DEL, target, MemorySegment.NULL, "EPOLL_CTL_DEL");
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for a watched descriptor to be ready.
     *
     * @return how many are ready (0 on timeout or EINTR); read each with {@link #token} and {@link #events}
     */
    public int await(int timeoutMillis) throws LinuxException {
        long n = fd.orErrno("epoll_wait", null, NativeCall.Restart.NEVER, Errno.EINTR,
                (slot, epfd) -> Libc.syscall(slot, Sysno.EPOLL_WAIT, epfd, ready.address(), capacity, timeoutMillis));
        return (int) Math.max(n, 0);
    }

    /** Returns the token of the {@code i}-th ready descriptor of the last wait. */
    public long token(int i) {
        return Layouts.EPOLL_DATA.getElement(ready, i);
    }

    /** Returns the ready events of the {@code i}-th ready descriptor of the last wait. */
    public int events(int i) {
        return Layouts.EPOLL_EVENTS.getElement(ready, i);
    }

    /** Closes the epoll descriptor once; later calls do nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        fd.close();
        arena.close();
    }

    private void ctl(int op, int target, MemorySegment event, String opName) throws LinuxException {
        fd.orErrno("epoll_ctl", opName + ", " + target, NativeCall.Restart.NEVER, 0,
                (slot, epfd) -> Libc.syscall(slot, Sysno.EPOLL_CTL, epfd, op, target, event.address()));
    }
}
