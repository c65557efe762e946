package dev.seccheck.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * UnixSeqpacket is a Unix-domain socket of type SOCK_SEQPACKET (the JDK has only stream and
 * datagram Unix sockets): message boundaries are kept, so one send is one packet for the reader.
 *
 * <p>Sends use {@code sendmsg} with MSG_NOSIGNAL so a vanished peer is an EPIPE error, never a
 * signal. Receives use {@code recvmsg} with MSG_TRUNC, so a packet longer than the buffer is
 * reported with its real length instead of silently cut. Several threads may send on one socket
 * at once: the kernel keeps each packet whole, and the native buffers used for byte arrays are
 * per thread.
 */
public final class UnixSeqpacket implements AutoCloseable {
    /** {@link #receive} result: the peer closed the connection. */
    public static final int EOF = -1;
    /** {@link #receive}/{@link #send} result in non-blocking mode: nothing could be done now. */
    public static final int WOULD_BLOCK = -2;

    /** The longest socket path the kernel takes (sun_path is 108 bytes with the NUL). */
    public static final int MAX_PATH = 107;

    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SO_PASSCRED = 16;
    private static final long CONTROL_SIZE = 64;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;
    private static final int SHUT_RDWR = 2;
    private static final int ENAMETOOLONG = 36;
    private static final long SOCKADDR_UN_SIZE = 110;
    private static final long MSGHDR_SIZE = 56;
    private static final long IOVEC_SIZE = 16;

    private static final MethodHandle SOCKET = Libc.withErrno("socket",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle CONNECT = Libc.withErrno("connect",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle BIND = Libc.withErrno("bind",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle LISTEN = Libc.withErrno("listen",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle ACCEPT4 = Libc.withErrno("accept4",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle SENDMSG = Libc.withErrno("sendmsg",
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle RECVMSG = Libc.withErrno("recvmsg",
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle GETSOCKOPT = Libc.withErrno("getsockopt",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER));
    private static final MethodHandle SETSOCKOPT = Libc.withErrno("setsockopt",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle FCNTL = Libc.withErrno("fcntl",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle SHUTDOWN = Libc.withErrno("shutdown",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle CLOSE = Libc.withErrno("close",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT));

    /** Per-thread msghdr + iovecs + a growable data buffer: no allocation per packet. */
    private static final ThreadLocal<IoBuffers> BUFFERS = ThreadLocal.withInitial(IoBuffers::new);

    private final int fd;
    private final String name;
    private volatile boolean closed;
    private volatile boolean nonBlocking;

    private UnixSeqpacket(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSeqpacket connect(Path path) throws LinuxException {
        int fd = newSocket(path.toString());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            closeOnFailure((int) CONNECT.invokeExact(Libc.errnoSlot(), fd, addr, (int) SOCKADDR_UN_SIZE), fd,
                    "connect(" + path + ")");
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return new UnixSeqpacket(fd, path.toString());
    }

    /** Throws for a failed call on a socket being set up, closing it first (errno read before the close). */
    private static void closeOnFailure(int result, int fd, String call) throws LinuxException {
        if (result < 0) {
            int errno = Libc.lastErrno();
            closeQuietly(fd);
            throw new LinuxException(call, errno);
        }
    }

    /** Creates a socket file at {@code path} and listens on it; the path must not exist. */
    public static UnixSeqpacket listen(Path path, int backlog) throws LinuxException {
        int fd = newSocket(path.toString());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            closeOnFailure((int) BIND.invokeExact(Libc.errnoSlot(), fd, addr, (int) SOCKADDR_UN_SIZE), fd,
                    "bind(" + path + ")");
            closeOnFailure((int) LISTEN.invokeExact(Libc.errnoSlot(), fd, backlog), fd, "listen(" + path + ")");
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return new UnixSeqpacket(fd, path.toString());
    }

    /**
     * Accepts one connection. Blocks unless the socket is non-blocking.
     *
     * @return the connection, or null when non-blocking and none is waiting
     */
    public UnixSeqpacket accept() throws LinuxException {
        int r;
        try {
            r = (int) ACCEPT4.invokeExact(Libc.errnoSlot(), fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Libc.lastErrno();
            if (errno == Errno.EAGAIN) {
                return null;
            }
            throw new LinuxException("accept(" + name + ")", errno);
        }
        return new UnixSeqpacket(r, name + "#" + r);
    }

    /** Sets or clears non-blocking mode for accept and receive; sends never block. */
    public void nonBlocking(boolean on) throws LinuxException {
        try {
            int flags = (int) FCNTL.invokeExact(Libc.errnoSlot(), fd, F_GETFL, 0);
            if (flags < 0) {
                throw new LinuxException("fcntl(" + fd + ", F_GETFL)", Libc.lastErrno());
            }
            int next = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
            if ((int) FCNTL.invokeExact(Libc.errnoSlot(), fd, F_SETFL, next) < 0) {
                throw new LinuxException("fcntl(" + fd + ", F_SETFL)", Libc.lastErrno());
            }
            nonBlocking = on;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Returns the file descriptor, e.g. to poll it or pass it to another process. */
    public int fd() {
        return fd;
    }

    /**
     * Sends {@code packet} (native memory) as one packet without blocking.
     *
     * @return the bytes sent, or {@link #WOULD_BLOCK} when the socket buffer is full
     * @throws LinuxException on any other error (EPIPE when the peer is gone)
     */
    public int send(MemorySegment packet) throws LinuxException {
        IoBuffers b = BUFFERS.get();
        b.iov(0, packet, packet.byteSize());
        return sendmsg(b, 1);
    }

    /**
     * Sends {@code header} and {@code payload} gathered into one packet without blocking.
     *
     * @return the bytes sent, or {@link #WOULD_BLOCK} when the socket buffer is full
     */
    public int send(MemorySegment header, MemorySegment payload) throws LinuxException {
        IoBuffers b = BUFFERS.get();
        b.iov(0, header, header.byteSize());
        b.iov(1, payload, payload.byteSize());
        return sendmsg(b, 2);
    }

    /** Sends bytes {@code [off, off+len)} of {@code data} as one packet without blocking. */
    public int send(byte[] data, int off, int len) throws LinuxException {
        IoBuffers b = BUFFERS.get();
        MemorySegment seg = b.data(len);
        MemorySegment.copy(data, off, seg, ValueLayout.JAVA_BYTE, 0, len);
        b.iov(0, seg, len);
        return sendmsg(b, 1);
    }

    /** Sends all of {@code data} as one packet without blocking. */
    public int send(byte[] data) throws LinuxException {
        return send(data, 0, data.length);
    }

    /**
     * Receives one packet into {@code buf}. A zero-length packet returns 0.
     *
     * @return the packet's full length (greater than {@code buf.length} means it was truncated),
     *     {@link #EOF} when the peer closed, or {@link #WOULD_BLOCK} in non-blocking mode
     */
    public int receive(byte[] buf) throws LinuxException {
        IoBuffers b = BUFFERS.get();
        MemorySegment seg = b.data(buf.length);
        b.iov(0, seg, buf.length);
        b.msghdr.set(ValueLayout.JAVA_LONG, 24, 1L);
        b.msghdr.set(ValueLayout.ADDRESS, 32, b.control);
        b.msghdr.set(ValueLayout.JAVA_LONG, 40, CONTROL_SIZE);
        b.msghdr.set(ValueLayout.JAVA_INT, 48, 0);
        long r;
        try {
            r = (long) RECVMSG.invokeExact(Libc.errnoSlot(), fd, b.msghdr, MSG_TRUNC);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Libc.lastErrno();
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno == Errno.EINTR) {
                return receive(buf);
            }
            throw new LinuxException("recvmsg(" + name + ")", errno);
        }
        // A zero-length packet and the end both read 0 bytes; only a packet carries the
        // SCM_CREDENTIALS control message that SO_PASSCRED asks for.
        long control = b.msghdr.get(ValueLayout.JAVA_LONG, 40);
        b.msghdr.set(ValueLayout.ADDRESS, 32, MemorySegment.NULL);
        b.msghdr.set(ValueLayout.JAVA_LONG, 40, 0L);
        if (r == 0 && control == 0) {
            return EOF;
        }
        int n = (int) Math.min(r, buf.length);
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, 0, n);
        return (int) r;
    }

    /** Returns the credentials of the peer process, as of when it connected. */
    public PeerCredentials peerCredentials() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(12, 4);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 12);
            int r = (int) GETSOCKOPT.invokeExact(Libc.errnoSlot(), fd, SOL_SOCKET, SO_PEERCRED, cred, len);
            if (r < 0) {
                throw new LinuxException("getsockopt(" + name + ", SO_PEERCRED)", Libc.lastErrno());
            }
            return new PeerCredentials(cred.get(ValueLayout.JAVA_INT, 0), cred.get(ValueLayout.JAVA_INT, 4),
                    cred.get(ValueLayout.JAVA_INT, 8));
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Shuts the connection down in both directions without releasing the descriptor: a thread
     * blocked in {@link #accept} or {@link #receive} on it wakes up.
     */
    public void shutdown() {
        try {
            int ignored = (int) SHUTDOWN.invokeExact(Libc.errnoSlot(), fd, SHUT_RDWR);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Returns whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the descriptor; later calls do nothing. The socket file of a listener stays. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly(fd);
        }
    }

    @Override
    public String toString() {
        return "UnixSeqpacket[" + name + ", fd " + fd + "]";
    }

    private int sendmsg(IoBuffers b, int iovCount) throws LinuxException {
        b.msghdr.set(ValueLayout.JAVA_LONG, 24, iovCount);
        long r;
        try {
            r = (long) SENDMSG.invokeExact(Libc.errnoSlot(), fd, b.msghdr, MSG_DONTWAIT | MSG_NOSIGNAL);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r < 0) {
            int errno = Libc.lastErrno();
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            throw new LinuxException("sendmsg(" + name + ")", errno);
        }
        return (int) r;
    }

    private static int newSocket(String what) throws LinuxException {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(Libc.errnoSlot(), AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (fd < 0) {
            throw new LinuxException("socket(AF_UNIX, SOCK_SEQPACKET) for " + what, Libc.lastErrno());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            int r = (int) SETSOCKOPT.invokeExact(Libc.errnoSlot(), fd, SOL_SOCKET, SO_PASSCRED, one, 4);
            if (r < 0) {
                int errno = Libc.lastErrno();
                closeQuietly(fd);
                throw new LinuxException("setsockopt(SO_PASSCRED) for " + what, errno);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return fd;
    }

    private static MemorySegment sockaddr(Arena arena, Path path) throws LinuxException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > MAX_PATH || p.length == 0) {
            throw new LinuxException("socket path " + path + " (" + p.length + " bytes, at most " + MAX_PATH + ")",
                    ENAMETOOLONG);
        }
        MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 2);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
        return addr;
    }

    private static void closeQuietly(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(Libc.errnoSlot(), fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The native structures one thread reuses for every send and receive. */
    private static final class IoBuffers {
        final Arena arena = Arena.ofAuto();
        final MemorySegment msghdr = arena.allocate(MSGHDR_SIZE, 8);
        final MemorySegment iovs = arena.allocate(IOVEC_SIZE * 2, 8);
        final MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
        MemorySegment data = arena.allocate(64 * 1024, 8);

        IoBuffers() {
            msghdr.set(ValueLayout.ADDRESS, 16, iovs);
        }

        MemorySegment data(int len) {
            if (data.byteSize() < len) {
                data = Arena.ofAuto().allocate(Math.max(len, data.byteSize() * 2), 8);
            }
            return data;
        }

        void iov(int i, MemorySegment base, long len) {
            iovs.set(ValueLayout.ADDRESS, i * IOVEC_SIZE, base);
            iovs.set(ValueLayout.JAVA_LONG, i * IOVEC_SIZE + 8, len);
        }
    }
}
