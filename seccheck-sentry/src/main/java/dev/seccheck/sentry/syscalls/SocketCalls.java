package dev.seccheck.sentry.syscalls;

import static dev.seccheck.sentry.syscalls.Call.setIfNotNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.SocketPair;

/** SocketCalls decodes the socket syscalls; addresses are the raw sockaddr bytes. */
final class SocketCalls {
    private SocketCalls() {}

    static Message socket(Call c) {
        return c.head(Socket.newBuilder(), Header.SOCKET)
            .setDomain(c.intArg(1)).setType(c.intArg(2)).setProtocol(c.intArg(3))
            .build();
    }

    /** connect(fd, addr, addrlen). */
    static Message connect(Call c) {
        var b = c.fdHead(Connect.newBuilder(), Header.CONNECT, c.intArg(1));
        setIfNotNull(sockaddr(c, c.arg(2), c.intArg(3)), b::setAddress);
        return b.build();
    }

    /** bind(fd, addr, addrlen). */
    static Message bind(Call c) {
        var b = c.fdHead(Bind.newBuilder(), Header.BIND, c.intArg(1));
        setIfNotNull(sockaddr(c, c.arg(2), c.intArg(3)), b::setAddress);
        return b.build();
    }

    /**
     * accept(fd, addr, addrlen) and accept4(..., flags). The peer's address exists only after
     * a successful call: the kernel then wrote it at addr and its length at *addrlen. An accept
     * seccheck performs is decided on its peer, whose address its enter points carry too
     * ({@link TaskMemory#acceptedPeer}).
     */
    static Message accept(Call c, boolean hasFlags) {
        var b = c.fdHead(Accept.newBuilder(), Header.ACCEPT, c.intArg(1));
        if (hasFlags) {
            b.setFlags(c.intArg(4));
        }
        byte[] peer = c.mem.acceptedPeer();
        if (peer != null) {
            b.setAddress(ByteString.copyFrom(peer));
        } else if (c.succeeded()) {
            int[] len = c.ints(c.arg(3), 1);
            if (len != null) {
                setIfNotNull(sockaddr(c, c.arg(2), len[0]), b::setAddress);
            }
        }
        return b.build();
    }

    /**
     * listen(fd, backlog), with the socket's family, type and bound address as gVisor fills them
     * (looked at when the point fires: at enter an unbound socket has no address yet).
     */
    static Message listen(Call c) {
        int fd = c.intArg(1);
        var b = c.fdHead(Listen.newBuilder(), Header.LISTEN, fd).setBacklog(c.intArg(2));
        FdPaths.SocketInfo s = fd < 0 ? null : c.fds.socket(fd);
        if (s != null) {
            b.setSocketFamily(s.family()).setSocketType(s.type()).setAddress(ByteString.copyFrom(s.address()));
        }
        return b.build();
    }

    /** socketpair(domain, type, protocol, sv): the two fds exist after a successful call. */
    static Message socketpair(Call c) {
        var b = c.head(SocketPair.newBuilder(), Header.SOCKET_PAIR)
            .setDomain(c.intArg(1)).setType(c.intArg(2)).setProtocol(c.intArg(3));
        if (c.succeeded()) {
            int[] sv = c.ints(c.arg(4), 2);
            if (sv != null) {
                b.setSocket1(sv[0]).setSocket2(sv[1]);
            }
        }
        return b.build();
    }

    /** The sockaddr bytes, capped at sizeof(sockaddr_storage); null when none or unreadable. */
    private static ByteString sockaddr(Call c, long addr, int len) {
        byte[] bytes = c.address(addr, Math.min(len, Abi.SOCKADDR_MAX));
        return bytes == null ? null : ByteString.copyFrom(bytes);
    }
}
