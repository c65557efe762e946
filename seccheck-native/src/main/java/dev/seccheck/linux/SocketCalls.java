package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SocketCalls performs connect, bind, sendto, setsockopt and accept on a socket seccheck took from a
 * program ({@code pidfd_getfd}), with the address or value seccheck read, and returns the kernel's answer
 * ({@code -errno} on failure, see {@link Direct}): EINPROGRESS, a short count and ECONNREFUSED
 * go back to the program unchanged. It also reads what a socket taken that way is (its
 * address, its peer's, family and type, the pid that listened), for the messages that describe
 * it and for the checks made on it.
 */
public final class SocketCalls {
    private SocketCalls() {}

    /** connect(fd, addr): 0 or -errno. */
    public static long connect(int fd, byte[] addr) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.CONNECT, fd, copy(arena, addr).address(), addr.length, 0);
        }
    }

    /** bind(fd, addr): 0 or -errno. */
    public static long bind(int fd, byte[] addr) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.BIND, fd, copy(arena, addr).address(), addr.length, 0);
        }
    }

    /** SIOCGSKNS: an fd of a socket's network namespace (Linux 4.9). */
    private static final long SIOCGSKNS = 0x894cL;

    /**
     * Opens the network namespace socket {@code fd} was made in: an fd, or -errno (EPERM when the
     * caller lacks CAP_NET_ADMIN over that namespace's owning user namespace).
     */
    public static int networkNamespace(int fd) {
        return (int) Direct.call(Sysno.IOCTL, fd, SIOCGSKNS, 0, 0);
    }

    /** listen(fd, backlog): 0 or -errno. */
    public static long listen(int fd, int backlog) {
        return Direct.call(Sysno.LISTEN, fd, backlog, 0, 0);
    }

    /**
     * sendto(fd, data, flags, addr): the count sent or -errno. A null {@code addr} passes none; an
     * empty one passes a pointer with a length of 0, as a program may (a connected UDP socket
     * refuses that with EINVAL, a TCP socket ignores it).
     */
    public static long sendto(int fd, SentBytes data, int flags, byte[] addr) {
        try (Arena arena = Arena.ofConfined(); Placed buf = place(arena, data)) {
            return Direct.call(Sysno.SENDTO, fd, buf.address(), data.length(), flags,
                    addr == null ? 0 : copy(arena, addr).address(), addr == null ? 0 : addr.length);
        }
    }

    /**
     * sendmsg(fd) of one buffer {@code data} to {@code addr} (none when null or empty) with the
     * ancillary data {@code control} (cmsghdr records as the kernel reads them): the count sent or
     * -errno.
     */
    public static long sendmsg(int fd, SentBytes data, int flags, byte[] addr, byte[] control) {
        try (Arena arena = Arena.ofConfined(); Placed buf = place(arena, data)) {
            MemorySegment iov = arena.allocate(Layouts.IOVEC);
            Layouts.IOV_BASE.set(iov, MemorySegment.ofAddress(buf.address()));
            Layouts.IOV_LEN.set(iov, data.length());
            boolean named = addr != null && addr.length > 0;
            MemorySegment msg = arena.allocate(Layouts.MSGHDR);
            Layouts.MSG_NAME.set(msg, named ? copy(arena, addr) : MemorySegment.NULL);
            Layouts.MSG_NAMELEN.set(msg, named ? addr.length : 0);
            Layouts.MSG_IOV.set(msg, iov);
            Layouts.MSG_IOVLEN.set(msg, 1L);
            Layouts.MSG_CONTROL.set(msg, control.length == 0 ? MemorySegment.NULL : copy(arena, control));
            Layouts.MSG_CONTROLLEN.set(msg, (long) control.length);
            return Direct.call(Sysno.SENDMSG, fd, msg.address(), flags, 0);
        }
    }

    /** Data placed for the kernel: in the arena, or in {@code guard}, before an unreadable page, when it ends early. */
    private record Placed(long address, GuardedCopy guard) implements AutoCloseable {
        @Override
        public void close() {
            if (guard != null) {
                guard.close();
            }
        }
    }

    private static Placed place(Arena arena, SentBytes data) {
        if (!data.endsEarly()) {
            return new Placed(copy(arena, data.readable()).address(), null);
        }
        try {
            GuardedCopy guard = new GuardedCopy(data.readable());
            return new Placed(guard.address, guard);
        } catch (LinuxException e) {
            throw new IllegalStateException("no memory for a send's guarded copy: " + e.getMessage(), e);
        }
    }

    /**
     * What accept4 gave: {@code fd}, our descriptor of the new connection's socket, or -errno (then
     * {@code peer} is null); {@code peer}, the address of the process that connected, as long as the
     * kernel says.
     */
    public record Accepted(long fd, byte[] peer) {}

    /**
     * accept4(fd, flags) on seccheck's copy of a program's listening socket: the new socket and its
     * peer's address, or -errno (EAGAIN, EINVAL for a socket that does not listen, ENOTSOCK).
     * Waits like the kernel's accept when the socket is blocking and nothing is pending: the
     * caller polls first.
     */
    public static Accepted accept(int fd, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_STORAGE, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_STORAGE);
            long r = Direct.call(Sysno.ACCEPT4, fd, addr.address(), len.address(), flags);
            if (r < 0) {
                return new Accepted(r, null);
            }
            int n = Math.min(len.get(ValueLayout.JAVA_INT, 0), SOCKADDR_STORAGE);
            return new Accepted(r, addr.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** The status flags of the open file {@code fd} names (fcntl F_GETFL: O_NONBLOCK...), or -errno. */
    public static long statusFlags(int fd) {
        return Direct.call(Sysno.FCNTL, fd, dev.seccheck.abi.Fcntl.F_GETFL, 0, 0);
    }

    /** sizeof(struct sockaddr_storage): room for any address family's address. */
    private static final int SOCKADDR_STORAGE = 128;
    /** The socket level of getsockopt and setsockopt. */
    public static final int SOL_SOCKET = 1;
    /** getsockopt names for the socket's type and family (asm-generic/socket.h). */
    public static final int SO_TYPE = 3;
    public static final int SO_DOMAIN = 39;
    /** getsockopt name for the socket's protocol (a netlink socket's family of messages). */
    public static final int SO_PROTOCOL = 38;
    /** getsockopt name telling whether the socket listens (1) or not (0). */
    public static final int SO_ACCEPTCONN = 30;
    /**
     * getsockopt names telling whether a unix socket receives its senders' credentials (1) or
     * pidfds (1, Linux 6.5): a connect or send then has the kernel name the socket if it has no name.
     */
    public static final int SO_PASSCRED = 16;
    public static final int SO_PASSPIDFD = 76;

    /** getsockname(fd): the address bytes as long as the kernel says, or null when the call failed. */
    public static byte[] getsockname(int fd) {
        return name(Sysno.GETSOCKNAME, fd);
    }

    /** getpeername(fd): the peer's address bytes as long as the kernel says, or null when the call failed (ENOTCONN). */
    public static byte[] getpeername(int fd) {
        return name(Sysno.GETPEERNAME, fd);
    }

    /** getsockname or getpeername, which take the same arguments. */
    private static byte[] name(int sysno, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SOCKADDR_STORAGE, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_STORAGE);
            if (Direct.call(sysno, fd, addr.address(), len.address(), 0) < 0) {
                return null;
            }
            int n = Math.min(len.get(ValueLayout.JAVA_INT, 0), SOCKADDR_STORAGE);
            return addr.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** getsockopt(fd, SOL_SOCKET, name) of an int option: as {@link #option}. */
    public static long socketOption(int fd, int name) {
        return option(fd, SOL_SOCKET, name);
    }

    /** getsockopt names of the socket's receive and send timeouts (a struct timeval each, x86-64). */
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDTIMEO = 21;

    /**
     * Whether timeout option {@code name} ({@link #SO_RCVTIMEO}, {@link #SO_SNDTIMEO}) of
     * {@code fd} is set: read whole, a timeout under a second has a zero first word. False when
     * the call fails.
     */
    public static boolean timeoutSet(int fd, int name) {
        return timeoutNanos(fd, name) != 0;
    }

    /**
     * Timeout option {@code name} ({@link #SO_RCVTIMEO}, {@link #SO_SNDTIMEO}) of {@code fd} in
     * nanoseconds, as getsockopt gives it (the kernel's jiffies, rounded back to a timeval): 0 when
     * none is set or the call fails, {@link Long#MAX_VALUE} for one too long to count in nanoseconds.
     */
    public static long timeoutNanos(int fd, int name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(16);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 16);
            long r = Direct.call(Sysno.GETSOCKOPT, fd, SOL_SOCKET, name, value.address(), len.address(), 0);
            if (r != 0) {
                return 0;
            }
            long seconds = value.get(ValueLayout.JAVA_LONG, 0);
            long micros = value.get(ValueLayout.JAVA_LONG, 8);
            if (seconds >= Long.MAX_VALUE / 1_000_000_000L - 1) {
                return Long.MAX_VALUE;
            }
            return seconds * 1_000_000_000L + micros * 1_000L;
        }
    }

    /**
     * getsockopt(fd, level, name) of an int option: its 32 bits as an unsigned number (so that a
     * value whose top bit is set, as a device index in network byte order may be, is never taken
     * for an error), or -errno when the call failed. Cast to int for the signed value.
     */
    public static long option(int fd, int level, int name) {
        return numericOption(fd, level, name, false);
    }

    /** getsockopt name of the socket's cookie: a number the kernel gives no other socket while it runs. */
    private static final int SO_COOKIE = 57;

    /**
     * The cookie of socket {@code fd} (SO_COOKIE): unlike its fd number or its inode, never another
     * socket's, so it tells a socket from one made later under the same number. -errno when the
     * call fails (ENOTSOCK).
     */
    public static long cookie(int fd) {
        return numericOption(fd, SOL_SOCKET, SO_COOKIE, true);
    }

    /** getsockopt(fd, level, name) of an int option, or ({@code wide}) a 64-bit one: the value, or -errno. */
    private static long numericOption(int fd, int level, int name, boolean wide) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, wide ? Long.BYTES : Integer.BYTES);
            long r = Direct.call(Sysno.GETSOCKOPT, fd, level, name, value.address(), len.address(), 0);
            return r < 0 ? r
                    : wide ? value.get(ValueLayout.JAVA_LONG, 0) : Integer.toUnsignedLong(value.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /** setsockopt(fd, level, name, value): 0 or -errno. */
    public static long setsockopt(int fd, int level, int name, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.SETSOCKOPT, fd, level, name, copy(arena, value).address(), value.length, 0);
        }
    }

    /**
     * setsockopt(level, name, NULL, optlen) on {@code fd}: for an option whose value the kernel
     * does not read there (another family's level, or a NULL pointer it takes for 0); 0 or -errno.
     */
    public static long setsockoptWithoutValue(int fd, int level, int name, int optlen) {
        return Direct.call(Sysno.SETSOCKOPT, fd, level, name, 0, optlen, 0);
    }

    /**
     * setsockopt(level, name, value) tried on a datagram socket of family {@code domain} that
     * seccheck makes for the trial and closes at once: 0 when the kernel takes the value, or
     * -errno. Nothing reaches any socket of the program's.
     */
    public static long trySetsockopt(int domain, int level, int name, byte[] value) {
        long trial = Direct.call(Sysno.SOCKET, domain, SOCK_DGRAM | SOCK_CLOEXEC, 0, 0);
        if (trial < 0) {
            return trial;
        }
        try {
            return setsockopt((int) trial, level, name, value);
        } finally {
            Direct.call(Sysno.CLOSE, trial, 0, 0, 0);
        }
    }

    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;

    /** getsockopt's SO_PEERCRED: who connected, or listened, at the other end of a unix socket. */
    private static final int SO_PEERCRED = 17;

    /**
     * The pid of the peer of a connected unix socket as the kernel recorded it (SO_PEERCRED: the
     * process that listened, for the side that connected): 0 when it has none (a datagram
     * socket) or lives in a pid namespace this process cannot see, or -errno.
     */
    public static long peerPid(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(Layouts.UCRED);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) Layouts.UCRED.byteSize());
            long r = Direct.call(Sysno.GETSOCKOPT, fd, SOL_SOCKET, SO_PEERCRED, cred.address(), len.address(), 0);
            return r < 0 ? r : Layouts.UCRED_PID.get(cred);
        }
    }

    /** SIOCGIFINDEX: a network device's index by its name (struct ifreq: the name, then the index). */
    private static final long SIOCGIFINDEX = 0x8933L;
    /** The size of struct ifreq, and of the name at its start (IFNAMSIZ). */
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;

    /**
     * The index of the network device named {@code name} (its bytes, up to a NUL or 15 of them, as
     * SO_BINDTODEVICE reads it) in the network namespace of socket {@code fd}: the index, or
     * -errno (ENODEV when that namespace has no such device).
     */
    public static long interfaceIndex(int fd, byte[] name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(name, 0, req, ValueLayout.JAVA_BYTE, 0, Math.min(name.length, IFNAMSIZ - 1));
            long r = Direct.call(Sysno.IOCTL, fd, SIOCGIFINDEX, req.address(), 0);
            return r < 0 ? r : req.get(ValueLayout.JAVA_INT, IFNAMSIZ);
        }
    }

    /** shutdown(fd, SHUT_RDWR): ends the connection for every holder of the socket; 0 or -errno. */
    public static long shutdown(int fd) {
        return shutdown(fd, 2);
    }

    /** shutdown(fd, how), {@code how} passed as it is (the kernel refuses an unknown one): 0 or -errno. */
    public static long shutdown(int fd, int how) {
        return Direct.call(Sysno.SHUTDOWN, fd, how, 0, 0);
    }

    private static MemorySegment copy(Arena arena, byte[] b) {
        MemorySegment s = arena.allocate(Math.max(1, b.length), 8);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }
}
