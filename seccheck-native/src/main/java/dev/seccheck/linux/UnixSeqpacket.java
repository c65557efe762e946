package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.NativeCall.Restart;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * per thread. The descriptor is a {@link FileDescriptor}: a call racing {@link #close()} either
 * runs on this socket or fails with EBADF, never reaches a number reused for another file, and a
 * thread blocked in {@link #accept} or {@link #receive} is woken by the close.
 */
public final class UnixSeqpacket implements AutoCloseable {
    /** {@link #receive} result: the peer closed the connection. */
    public static final int EOF = -1;
    /** {@link #receive}/{@link #send} result in non-blocking mode: nothing could be done now. */
    public static final int WOULD_BLOCK = -2;

    /** The longest socket path the kernel takes (sun_path is 108 bytes with the NUL). */
    public static final int MAX_PATH = Layouts.SUN_PATH_SIZE - 1;

    // From <sys/socket.h>; socket constants are this class's alone.
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = Fcntl.O_CLOEXEC;
    private static final int SO_PASSCRED = 16;
    private static final int SO_PEERCRED = 17;
    private static final int SO_PEERPIDFD = 77;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SHUT_RDWR = 2;
    /** Room for one SCM_CREDENTIALS control message (16-byte cmsghdr + 12-byte ucred, aligned). */
    private static final long CONTROL_SIZE = 64;
    /** The size of a struct cmsghdr on x86-64, and of the struct ucred an SCM_CREDENTIALS one holds. */
    private static final long CMSG_HEADER = 16;
    private static final long UCRED_SIZE = 12;
    private static final int SCM_CREDENTIALS = 2;
    /** {@link #lastSender}: set by the one thread that receives on this socket. */
    private int lastSender;


    /** Per-thread msghdr + iovecs + a growable data buffer: no allocation per packet. */
    private static final ThreadLocal<IoBuffers> BUFFERS = ThreadLocal.withInitial(IoBuffers::new);

    private final FileDescriptor fd;
    private final String name;

    private UnixSeqpacket(FileDescriptor fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSeqpacket connect(Path path) throws LinuxException {
        String what = path.toString();
        int raw = newSocket(what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            // Not restarted: an interrupted connect goes on in the kernel, and a second one fails.
            setUp(raw, "connect", what, slot -> Libc.syscall(slot, Sysno.CONNECT, raw, addr.address(), addr.byteSize()));
        }
        return new UnixSeqpacket(socket(raw, what), what);
    }

    /** Creates a socket file at {@code path} and listens on it; the path must not exist. */
    public static UnixSeqpacket listen(Path path, int backlog) throws LinuxException {
        String what = path.toString();
        int raw = newSocket(what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            setUp(raw, "bind", what, slot -> Libc.syscall(slot, Sysno.BIND, raw, addr.address(), addr.byteSize()));
            setUp(raw, "listen", what, slot -> Libc.syscall(slot, Sysno.LISTEN, raw, backlog));
        }
        return new UnixSeqpacket(socket(raw, what), what);
    }

    /**
     * Runs one call setting up socket {@code raw}, which no other thread knows yet (so the raw
     * number is safe), closing the socket when the call fails. Errors name the path, as a user
     * would: {@code connect(/run/x.sock): ENOENT (No such file or directory)}.
     */
    private static void setUp(int raw, String call, String what, NativeCall.Invocation invocation)
            throws LinuxException {
        try {
            NativeCall.call(invocation, Restart.NEVER, call, () -> what);
        } catch (LinuxException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    /**
     * Accepts one connection. Blocks unless the socket is non-blocking.
     *
     * @return the connection, or null when non-blocking and none is waiting
     */
    public UnixSeqpacket accept() throws LinuxException {
        int r = (int) fd.orErrno("accept4", null, Restart.ON_EINTR, Errno.EAGAIN, (slot, n) ->
                Libc.syscall(slot, Sysno.ACCEPT4, n, 0, 0, SOCK_CLOEXEC));
        if (r < 0) {
            return null;
        }
        String connection = name + "#" + r;
        return new UnixSeqpacket(socket(r, connection), connection);
    }

    /** Sets or clears non-blocking mode for accept and receive; sends never block. */
    public void nonBlocking(boolean on) throws LinuxException {
        int flags = (int) fd.orErrno("fcntl", "F_GETFL", Restart.NEVER, 0,
                (slot, n) -> Libc.syscall(slot, Sysno.FCNTL, n, Fcntl.F_GETFL));
        int next = on ? flags | Fcntl.O_NONBLOCK : flags & ~Fcntl.O_NONBLOCK;
        fd.orErrno("fcntl", "F_SETFL", Restart.NEVER, 0, (slot, n) -> Libc.syscall(slot, Sysno.FCNTL, n, Fcntl.F_SETFL, next));
    }

    /** Returns the file descriptor, e.g. to poll it or pass it to another process. */
    public int fd() {
        return fd.number();
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
        MemorySegment msg = b.msghdr;
        Layouts.MSG_IOVLEN.set(msg, 1L);
        Layouts.MSG_CONTROL.set(msg, b.control);
        Layouts.MSG_CONTROLLEN.set(msg, CONTROL_SIZE);
        Layouts.MSG_FLAGS.set(msg, 0);
        long r;
        long control;
        try {
            r = fd.orErrno("recvmsg", null, Restart.ON_EINTR, Errno.EAGAIN,
                    (slot, n) -> Libc.syscall(slot, Sysno.RECVMSG, n, msg.address(), MSG_TRUNC));
        } finally {
            // Sends share this msghdr and carry no control message: both fields are reset on every
            // way out, a failed receive included, or the thread's next sendmsg fails with EINVAL.
            control = Layouts.MSG_CONTROLLEN.get(msg);
            Layouts.MSG_CONTROL.set(msg, MemorySegment.NULL);
            Layouts.MSG_CONTROLLEN.set(msg, 0L);
        }
        if (r < 0) {
            return WOULD_BLOCK;
        }
        // A zero-length packet and the end both read 0 bytes; only a packet carries the
        // SCM_CREDENTIALS control message that SO_PASSCRED asks for.
        if (r == 0 && control == 0) {
            return EOF;
        }
        lastSender = senderIn(b.control, control);
        int n = (int) Math.min(r, buf.length);
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, 0, n);
        return (int) r;
    }

    /**
     * The process that sent the packet {@link #receive} returned last, as the kernel recorded it
     * at the send (SCM_CREDENTIALS, in this process's pid namespace's numbers), or 0 when it did
     * not say. SO_PEERCRED names who connected; on a socket another process connected, someone
     * else can send, and the first packet of one seccheck connected for a program was the
     * program's.
     */
    public int lastSender() {
        return lastSender;
    }

    /** The pid of the SCM_CREDENTIALS message in the first {@code length} bytes of {@code control}, or 0. */
    private static int senderIn(MemorySegment control, long length) {
        // struct cmsghdr {size_t cmsg_len; int cmsg_level; int cmsg_type;} then struct ucred {pid, uid, gid}.
        for (long at = 0; at + CMSG_HEADER + UCRED_SIZE <= length; ) {
            long len = control.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            if (len < CMSG_HEADER || at + len > length) {
                return 0;
            }
            if (control.get(ValueLayout.JAVA_INT_UNALIGNED, at + 8) == SocketCalls.SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12) == SCM_CREDENTIALS && len >= CMSG_HEADER + UCRED_SIZE) {
                return control.get(ValueLayout.JAVA_INT_UNALIGNED, at + CMSG_HEADER);
            }
            at += (len + 7) & ~7L;
        }
        return 0;
    }

    /** Returns the credentials of the peer process, as of when it connected. */
    public PeerCredentials peerCredentials() throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(Layouts.UCRED);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, (int) Layouts.UCRED.byteSize());
            fd.orErrno("getsockopt", "SO_PEERCRED", Restart.NEVER, 0,
                    (slot, n) -> Libc.syscall(slot, Sysno.GETSOCKOPT, n, SocketCalls.SOL_SOCKET, SO_PEERCRED, cred.address(), len.address()));
            return new PeerCredentials(Layouts.UCRED_PID.get(cred), Layouts.UCRED_UID.get(cred),
                    Layouts.UCRED_GID.get(cred));
        }
    }

    /**
     * Returns the peer process: its credentials as of when it connected (or listened), held by a
     * pidfd so that a decision made by its pid can be told to have been about it
     * ({@link PeerProcess#running}). The caller closes it.
     */
    public PeerProcess peerProcess() throws LinuxException {
        PeerCredentials credentials = peerCredentials();
        if (credentials.pid() <= 0) {
            return new PeerProcess(credentials, -1, false);
        }
        long pidfd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, Integer.BYTES);
            pidfd = fd.orErrno("getsockopt", "SO_PEERPIDFD", Restart.NEVER, Errno.ENOPROTOOPT,
                    (slot, n) -> Libc.syscall(slot, Sysno.GETSOCKOPT, n, SocketCalls.SOL_SOCKET, SO_PEERPIDFD,
                            value.address(), len.address()));
            if (pidfd == 0) {
                pidfd = value.get(ValueLayout.JAVA_INT, 0);
            }
        } catch (LinuxException e) {
            if (e.errno() == Errno.ESRCH) {
                // Kernels before pidfs kept no record of a reaped peer.
                return new PeerProcess(credentials, -1, true);
            }
            throw e;
        }
        if (pidfd == -Errno.ENOPROTOOPT) {
            // Before Linux 6.5: whichever process has the pid now.
            pidfd = Direct.call(Sysno.PIDFD_OPEN, credentials.pid(), 0, 0, 0);
            if (pidfd == -Errno.ESRCH) {
                return new PeerProcess(credentials, -1, true);
            }
            if (pidfd < 0) {
                throw new LinuxException("pidfd_open(" + credentials.pid() + ")", (int) -pidfd);
            }
        }
        return new PeerProcess(credentials, (int) pidfd, false);
    }

    /**
     * Shuts the connection down in both directions without releasing the descriptor: a thread
     * blocked in {@link #accept} or {@link #receive} on it wakes up. Does nothing once closed.
     */
    public void shutdown() {
        try {
            fd.call("shutdown", Restart.NEVER, (slot, n) -> Libc.syscall(slot, Sysno.SHUTDOWN, n, SHUT_RDWR));
        } catch (LinuxException e) {
            // Closed already, or not connected (ENOTCONN): either way nothing is left to wake.
        }
    }

    /** Returns whether {@link #close} was called. */
    public boolean isClosed() {
        return fd.isClosing();
    }

    /**
     * Closes the socket; later calls do nothing. A thread blocked on it is woken (shutdown) and the
     * descriptor released when the last call in flight returns. The socket file of a listener stays.
     */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "UnixSeqpacket[" + name + ", fd " + fd.number() + "]";
    }

    private int sendmsg(IoBuffers b, int iovCount) throws LinuxException {
        MemorySegment msg = b.msghdr;
        Layouts.MSG_IOVLEN.set(msg, (long) iovCount);
        long r = fd.orErrno("sendmsg", null, Restart.ON_EINTR, Errno.EAGAIN,
                (slot, n) -> Libc.syscall(slot, Sysno.SENDMSG, n, msg.address(), MSG_DONTWAIT | MSG_NOSIGNAL));
        return r < 0 ? WOULD_BLOCK : (int) r;
    }

    /** Opens a socket with SO_PASSCRED set (so a zero-length packet is told from the end). */
    private static int newSocket(String what) throws LinuxException {
        int raw = (int) NativeCall.call(slot -> Libc.syscall(slot, Sysno.SOCKET, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0),
                Restart.NEVER, "socket", () -> "AF_UNIX, SOCK_SEQPACKET for " + what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            setUp(raw, "setsockopt", what + ", SO_PASSCRED",
                    slot -> Libc.syscall(slot, Sysno.SETSOCKOPT, raw, SocketCalls.SOL_SOCKET, SO_PASSCRED, one.address(), one.byteSize()));
        }
        return raw;
    }

    private static void closeQuietly(int raw) {
        try {
            FileDescriptor.closeNumber(raw);
        } catch (LinuxException e) {
            // The number is released even when close fails; the setup error is the one to report.
        }
    }

    /** Owns socket number {@code raw}; closing it while calls are in flight shuts it down to wake them. */
    private static FileDescriptor socket(int raw, String what) {
        return new FileDescriptor(raw, what, n -> {
            try {
                long ignored = Libc.syscall(Libc.errnoSlot(), Sysno.SHUTDOWN, n, SHUT_RDWR);
            } catch (Throwable t) {
                throw new AssertionError("shutdown(" + what + ")", t);
            }
        });
    }

    private static MemorySegment sockaddr(Arena arena, Path path) throws LinuxException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > MAX_PATH || p.length == 0) {
            throw new LinuxException("socket path " + path + " (" + p.length + " bytes, at most " + MAX_PATH + ")",
                    Errno.ENAMETOOLONG);
        }
        MemorySegment addr = arena.allocate(Layouts.SOCKADDR_UN);
        Layouts.SUN_FAMILY.set(addr, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, Layouts.SUN_PATH_OFFSET, p.length);
        return addr;
    }

    /** The native structures one thread reuses for every send and receive. */
    private static final class IoBuffers {
        final Arena arena = Arena.ofAuto();
        final MemorySegment msghdr = arena.allocate(Layouts.MSGHDR);
        final MemorySegment iovs = arena.allocate(Layouts.IOVEC, 2);
        final MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
        MemorySegment data = arena.allocate(64 * 1024, 8);

        IoBuffers() {
            Layouts.MSG_IOV.set(msghdr, iovs);
        }

        MemorySegment data(int len) {
            if (data.byteSize() < len) {
                data = Arena.ofAuto().allocate(Math.max(len, data.byteSize() * 2), 8);
            }
            return data;
        }

        void iov(int i, MemorySegment base, long len) {
            Layouts.IOV_BASE.setElement(iovs, i, base);
            Layouts.IOV_LEN.setElement(iovs, i, len);
        }
    }
}
