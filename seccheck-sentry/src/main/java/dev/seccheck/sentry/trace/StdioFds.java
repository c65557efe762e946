package dev.seccheck.sentry.trace;

import static dev.seccheck.format.SockAddr.AF_INET;
import static dev.seccheck.format.SockAddr.AF_INET6;
import static dev.seccheck.format.SockAddr.AF_UNIX;

import com.google.protobuf.ByteString;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.proto.common.FdInfo;
import dev.seccheck.proto.common.SocketInfo;
import dev.seccheck.proto.common.SocketIp;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.sentry.syscalls.FdPaths;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;

/**
 * StdioFds fills ExecveInfo's {@code stdin}, {@code stdout} and {@code stderr} (the optional field
 * {@code fd_info}) as gVisor's sentry does: each descriptor's path (the kernel's name for it: a
 * file's path, {@code pipe:[inode]}, {@code socket:[inode]}), mode and inode, and, for a socket,
 * {@code socket}: its local address (getsockname) and its peer's (getpeername, when it has one),
 * and as {@code family} the family of the last of the two it could describe. gVisor describes
 * three families: AF_INET and AF_INET6 (family, ip, port) and AF_UNIX (the family alone, no path);
 * for any other (netlink, packet) it sets neither address nor family, though {@code socket} is
 * present, as here. The port is the two bytes of {@code sin_port}, which hold it in network byte
 * order, read as a number in the host's order, as gVisor reads them: port 8080 arrives as 36895
 * on x86 (docs/compatibility.md). A program started by inetd, or with a socket systemd activated,
 * has a socket as a standard descriptor.
 */
final class StdioFds {
    private StdioFds() {}

    /**
     * Sets stdin, stdout and stderr of process {@code pid}, which has just executed its new
     * program, in {@code b}; each is stat'ed through {@code looks}.
     */
    static void fill(int pid, ExecveInfo.Builder b, FileLooks looks) {
        of(pid, 0, looks).ifPresent(b::setStdin);
        of(pid, 1, looks).ifPresent(b::setStdout);
        of(pid, 2, looks).ifPresent(b::setStderr);
    }

    private static Optional<FdInfo> of(int pid, int fd, FileLooks looks) {
        String target = Procfs.link(pid, "fd/" + fd).orElse(null);
        if (target == null) {
            return Optional.empty();
        }
        FdInfo.Builder b = FdInfo.newBuilder().setPath(target);
        Path link = Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd));
        // A pipe, a socket or an anonymous inode ("pipe:[N]"...) is the kernel's own: its stat asks no filesystem.
        PathCalls.Stat st = !target.startsWith("/") ? FileStat.of(link)
                : looks.statAt(pid, link.toString()).orElse(null);
        if (st != null) { // a descriptor that cannot be statted by its path keeps the path alone
            b.setMode(st.mode()).setIno(st.ino());
        }
        if (target.startsWith("socket:")) {
            // Looked at through a copy of the program's descriptor: only a socket pays for one.
            FdPaths.SocketInfo s = TraceeAccess.socket(pid, fd);
            if (s != null) {
                b.setSocket(socket(s));
            }
        }
        return Optional.of(b.build());
    }

    /** gVisor's SocketInfo for a socket: the local address, then the peer's, each setting the family when it can describe it. */
    static SocketInfo socket(FdPaths.SocketInfo s) {
        SocketInfo.Builder b = SocketInfo.newBuilder();
        if (s.address().length > 0) {
            SocketIp local = ip(s.address());
            b.setFamily(local == null ? 0 : local.getFamily());
            if (local != null) {
                b.setLocal(local);
            }
        }
        if (s.peer() != null) {
            SocketIp remote = ip(s.peer());
            b.setFamily(remote == null ? 0 : remote.getFamily());
            if (remote != null) {
                b.setRemote(remote);
            }
        }
        return b.build();
    }

    /** The address {@code sockaddr} describes, or null for a family gVisor does not describe (or bytes too short for theirs). */
    static SocketIp ip(byte[] sockaddr) {
        if (sockaddr.length < 2) {
            return null;
        }
        ByteBuffer a = ByteBuffer.wrap(sockaddr).order(ByteOrder.nativeOrder());
        int family = a.getShort(0) & 0xffff;
        return switch (family) {
            case AF_UNIX -> SocketIp.newBuilder().setFamily(family).build();
            // sockaddr_in: family, port, 4 address bytes; sockaddr_in6: family, port, flowinfo, 16 address bytes.
            case AF_INET -> sockaddr.length < 8 ? null : inet(a, family, 4, 4);
            case AF_INET6 -> sockaddr.length < 24 ? null : inet(a, family, 8, 16);
            default -> null;
        };
    }

    private static SocketIp inet(ByteBuffer a, int family, int at, int length) {
        return SocketIp.newBuilder().setFamily(family).setPort(a.getShort(2) & 0xffff)
                .setIp(ByteString.copyFrom(a.array(), at, length)).build();
    }
}
