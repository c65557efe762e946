package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * UnixDiag asks the kernel's socket diagnostics (sock_diag, {@code NETLINK_SOCK_DIAG}) which file
 * a unix socket is bound to: the device and inode of the socket file its bind made
 * ({@code UNIX_DIAG_VFS}). It is the one way to learn where a bind by name really put a socket,
 * whatever its name says and whatever was renamed since: a name is looked up again at the bind,
 * so a check of the directory before it proves nothing about where the bind landed. It also says
 * what a socket is connected to ({@link #describe}): a connected socket's peer, a listener's
 * queue of connections not yet accepted, a socket's name.
 */
public final class UnixDiag {
    private UnixDiag() {}

    private static final int AF_NETLINK = 16;
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLMSG_ERROR = 2;
    /** What to ask of a socket ({@link #describe}): its name (UNIX_DIAG_NAME). */
    public static final int SHOW_NAME = 0x1;
    /** Its bound file (UNIX_DIAG_VFS). */
    public static final int SHOW_VFS = 0x2;
    /** Its peer's inode (UNIX_DIAG_PEER). */
    public static final int SHOW_PEER = 0x4;
    /** A listener's queue: the inodes of the clients of its connections not yet accepted (UNIX_DIAG_ICONS). */
    public static final int SHOW_ICONS = 0x8;
    private static final int UNIX_DIAG_NAME = 0;
    private static final int UNIX_DIAG_VFS = 1;
    private static final int UNIX_DIAG_PEER = 2;
    private static final int UNIX_DIAG_ICONS = 3;
    /** nlmsghdr, then unix_diag_req. */
    private static final int REQUEST = 16 + 24;
    /** nlmsghdr, then unix_diag_msg: where the attributes start. */
    private static final int ATTRIBUTES = 16 + 16;
    private static final int REPLY_MAX = 8192;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    /** The answer: the socket is unknown here (another network namespace's, or gone). */
    public static final long[] UNKNOWN = new long[0];

    /**
     * Returns the bound file of the unix socket whose inode (its {@code fstat}'s {@code st_ino}) is
     * {@code socketIno}, as {@code {dev, ino}} in stat's encoding ({@code st_dev}, and the low 32
     * bits of {@code st_ino}: the kernel gives no more); an empty array ({@link #UNKNOWN}) when
     * this network namespace has no such socket; null when it is bound to no file (unbound, or an
     * abstract name). Throws when the diagnostics cannot be asked (no sock_diag for unix sockets).
     */
    public static long[] boundFile(long socketIno) throws LinuxException {
        Socket s = describe(socketIno, SHOW_VFS);
        return s == null ? UNKNOWN : s.file();
    }

    /**
     * A unix socket as the diagnostics show it: its name (the {@code sun_path} bytes, an abstract
     * one starting with NUL; empty when unbound), its bound file as {@link #boundFile} gives it
     * (null when none), its peer's inode (0 when it has none, or the peer has no file yet: a
     * connection still waiting in a listener's queue), and, for a listener, the inodes of the
     * clients of the connections in its queue. Only what {@code show} asked for is filled in.
     */
    public record Socket(long ino, byte[] name, long[] file, long peer, long[] icons) {}

    /**
     * Returns the unix socket whose inode is {@code socketIno} with what {@code show} asks for
     * ({@link #SHOW_NAME}, {@link #SHOW_VFS}, {@link #SHOW_PEER}, {@link #SHOW_ICONS}); null when
     * this network namespace has no such socket. Throws when the diagnostics cannot be asked.
     */
    public static Socket describe(long socketIno, int show) throws LinuxException {
        int nl = (int) Direct.call(Sysno.SOCKET, AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG, 0);
        if (nl < 0) {
            throw new LinuxException("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", -nl);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(REQUEST, 8);
            req.set(INT, 0, REQUEST);
            req.set(SHORT, 4, SOCK_DIAG_BY_FAMILY);
            req.set(SHORT, 6, NLM_F_REQUEST);
            req.set(INT, 8, 1); // sequence
            req.set(ValueLayout.JAVA_BYTE, 16, (byte) AF_UNIX);
            req.set(INT, 20, -1); // every state
            req.set(INT, 24, (int) socketIno);
            req.set(INT, 28, show);
            req.set(INT, 32, -1); // no cookie
            req.set(INT, 36, -1);
            long sent = Direct.call(Sysno.SENDTO, nl, req.address(), REQUEST, 0, 0, 0);
            if (sent < 0) {
                throw new LinuxException("sendto(NETLINK_SOCK_DIAG, unix socket " + socketIno + ")", (int) -sent);
            }
            MemorySegment reply = arena.allocate(REPLY_MAX, 8);
            long got = Direct.call(Sysno.RECVFROM, nl, reply.address(), REPLY_MAX, 0, 0, 0);
            if (got < 0) {
                throw new LinuxException("recvfrom(NETLINK_SOCK_DIAG, unix socket " + socketIno + ")", (int) -got);
            }
            return parseSocket(reply.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE), socketIno);
        } finally {
            PathCalls.close(nl);
        }
    }

    /** The bound file in one reply (see {@link #boundFile}). */
    static long[] parse(byte[] reply, long socketIno) throws LinuxException {
        Socket s = parseSocket(reply, socketIno);
        return s == null ? UNKNOWN : s.file();
    }

    /** The socket in one reply (see {@link #describe}), null for the kernel's ENOENT. */
    static Socket parseSocket(byte[] reply, long socketIno) throws LinuxException {
        MemorySegment m = MemorySegment.ofArray(reply);
        if (reply.length < 16) {
            throw new LinuxException("sock_diag reply of " + reply.length + " bytes for unix socket " + socketIno, 5);
        }
        int len = Math.min(m.get(INT, 0), reply.length);
        short type = m.get(SHORT, 4);
        if (type == NLMSG_ERROR) {
            int errno = reply.length >= 20 ? -m.get(INT, 16) : 5;
            if (errno == 2) { // ENOENT: no socket of that inode here
                return null;
            }
            throw new LinuxException("sock_diag of unix socket " + socketIno, errno);
        }
        if (type != SOCK_DIAG_BY_FAMILY || len < ATTRIBUTES || (m.get(INT, 20) & 0xffffffffL) != (socketIno & 0xffffffffL)) {
            throw new LinuxException("sock_diag reply of type " + type + " for unix socket " + socketIno, 5);
        }
        byte[] name = new byte[0];
        long[] file = null;
        long peer = 0;
        long[] icons = new long[0];
        for (int at = ATTRIBUTES; at + 4 <= len; ) {
            int attrLen = m.get(SHORT, at) & 0xffff;
            int attrType = m.get(SHORT, at + 2) & 0xffff;
            if (attrLen < 4 || at + attrLen > len) {
                break;
            }
            switch (attrType) {
                case UNIX_DIAG_NAME -> name = m.asSlice(at + 4, attrLen - 4).toArray(ValueLayout.JAVA_BYTE);
                case UNIX_DIAG_VFS -> {
                    if (attrLen >= 12) {
                        long ino = m.get(INT, at + 4) & 0xffffffffL;
                        long kernelDev = m.get(INT, at + 8) & 0xffffffffL;
                        file = new long[] {statDev(kernelDev), ino};
                    }
                }
                case UNIX_DIAG_PEER -> peer = attrLen >= 8 ? m.get(INT, at + 4) & 0xffffffffL : 0;
                case UNIX_DIAG_ICONS -> {
                    icons = new long[(attrLen - 4) / 4];
                    for (int i = 0; i < icons.length; i++) {
                        icons[i] = m.get(INT, at + 4 + 4 * i) & 0xffffffffL;
                    }
                }
                default -> { }
            }
            at += (attrLen + 3) & ~3;
        }
        return new Socket(socketIno & 0xffffffffL, name, file, peer, icons);
    }

    /** A kernel dev_t (major in the top 12 bits of 32, minor in the low 20) in stat's encoding. */
    static long statDev(long kernelDev) {
        long major = kernelDev >>> 20;
        long minor = kernelDev & 0xfffff;
        return (minor & 0xff) | (major << 8) | ((minor & ~0xffL) << 12);
    }
}
