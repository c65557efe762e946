package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.syscalls.SyscallEvent;

/**
 * KernelChosenNames decides, as a bind, each name the kernel chooses for a unix socket, which
 * names no address a {@code bind_network} rule could decide: an autobind (a bind of the family
 * alone), and the name a connect or a send gives a socket that receives its peers' credentials
 * or pidfds ({@code SO_PASSCRED}, {@code SO_PASSPIDFD}) and has no name yet: the kernel autobinds
 * it before it even looks the peer up, so a failed connect leaves it named too. A stream socket so
 * named can listen there, a datagram one receives from anyone once unconnected (red-team report
 * R2, F2). The kernel picks the name ({@code @} and five hex digits) only as it binds, and a
 * refusal after that leaves a bound datagram socket receiving; so the name is decided before, as
 * the empty abstract name: AF_UNIX and one NUL ({@link #DECIDED}), which a {@code unix_path} rule
 * reads as {@code @}, so that a rule denying abstract names ({@code glob "@*"},
 * {@code not glob "/*"}) holds for it.
 *
 * <p>The name a connect or send gives is given by seccheck, with that autobind on its copy of the
 * socket, once bind's points allow it; the call is then made on a named socket, and the kernel
 * names it no further. So the socket is named as natively where seccheck answers the call from
 * its own walk with no connect of the kernel's (no socket at the path: F3), and its
 * {@code getsockname} and {@code listen} behave as natively.
 */
final class KernelChosenNames {
    private KernelChosenNames() {}

    /** The address bind's points are shown for a name the kernel chooses: AF_UNIX and one NUL, read as {@code @}. */
    static final byte[] DECIDED = {(byte) SockAddr.AF_UNIX, 0, 0};
    /** A bind of the family alone: the kernel's autobind. */
    private static final byte[] AUTOBIND = {(byte) SockAddr.AF_UNIX, 0};
    /**
     * Where the bind event's address is read from: the program passed none (any pointer but NULL
     * does, as for the bind a listen makes, {@link Listens}).
     */
    private static final long NO_POINTER = 1;
    private static final int SUN_PATH_MAX = 108;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int MSG_OOB = 1;

    /** Whether a bind of {@code addr} on a socket of family {@code domain} (SO_DOMAIN) is an autobind. */
    static boolean isAutobind(long domain, byte[] addr) {
        return domain == SockAddr.AF_UNIX && addr.length == AUTOBIND.length && family(addr) == SockAddr.AF_UNIX;
    }

    /**
     * Before connect or send {@code nr} ({@code CONNECT} or {@code SENDTO}, a sendmsg's message
     * too) of {@code addr} (null or empty when the send names none) with {@code flags} on our copy
     * {@code sock} of the program's socket {@code fd}, of family {@code domain}: when the kernel
     * would name the socket, decides that name at bind's points and, allowed, names it. 0 when the
     * call may go on, else the errno it fails with (the rule's, or the autobind's own).
     */
    static int beforeCall(Call call, int fd, int sock, long domain, int nr, byte[] addr, int flags) {
        if (!namesSocket(sock, domain, nr, addr, flags)) {
            return 0;
        }
        SyscallEvent bind = new SyscallEvent(call.tid(), Sysno.BIND, fd, NO_POINTER, DECIDED.length, 0, 0, 0, false, 0);
        Snapshot seen = new Snapshot(NO_POINTER, DECIDED);
        return (int) call.unreached(() -> {
            int denied = call.check(bind, seen);
            if (denied != 0) {
                call.checked(bind, seen, -denied);
                return denied;
            }
            long r = SocketCalls.bind(sock, AUTOBIND);
            // EINVAL: another thread named it meanwhile, by a bind decided itself; the call goes on as natively.
            long made = r == -Errno.EINVAL ? 0 : r;
            call.checked(bind, seen, made);
            return -made;
        });
    }

    /**
     * Whether connect or send {@code nr} of {@code addr} with {@code flags} has the kernel name
     * our copy {@code sock} of the program's unix socket (unix_autobind), in the kernel's order: a
     * socket with SO_PASSCRED or SO_PASSPIDFD and no name; for a connect, a unix address of a
     * valid length; for a send, not on a stream socket (which never names itself), without
     * MSG_OOB, to a valid address named or (a seqpacket socket, which ignores any) to the peer a
     * connect chose.
     */
    private static boolean namesSocket(int sock, long domain, int nr, byte[] addr, int flags) {
        if (sock < 0 || domain != SockAddr.AF_UNIX || nr != Sysno.CONNECT && nr != Sysno.SENDTO) {
            return false;
        }
        if (SocketCalls.socketOption(sock, SocketCalls.SO_PASSCRED) <= 0
                && SocketCalls.socketOption(sock, SocketCalls.SO_PASSPIDFD) <= 0) {
            return false;
        }
        byte[] name = SocketCalls.getsockname(sock);
        if (name == null || name.length > AUTOBIND.length) {
            return false; // named already
        }
        if (nr == Sysno.CONNECT) {
            return valid(addr);
        }
        long type = SocketCalls.socketOption(sock, SocketCalls.SO_TYPE);
        if (type == SOCK_STREAM || (flags & MSG_OOB) != 0) {
            return false;
        }
        if (type != SOCK_SEQPACKET && addr != null && addr.length > 0) {
            return valid(addr);
        }
        return SocketCalls.getpeername(sock) != null;
    }

    /**
     * The abstract name our copy {@code sock} of the program's unix socket has (its address, as
     * {@code getsockname} gives it), else null: a name no bind may have decided (an autobind
     * another way made, a send not held), which a listen or a datagram socket's disconnect would
     * serve to anyone ({@link Listens}). A path name is not given: the bind that gave it was
     * decided on the socket's real path, which its name may not be.
     */
    static byte[] abstractName(int sock) {
        byte[] name = SocketCalls.getsockname(sock);
        return name != null && name.length > AUTOBIND.length && family(name) == SockAddr.AF_UNIX && name[2] == 0
                ? name : null;
    }

    /**
     * Before the disconnect (a connect to AF_UNSPEC) of our copy {@code sock} of the program's
     * unix socket {@code fd}: a datagram socket then receives from anyone at its name, so an
     * abstract one is decided at bind's points (the kernel named it in a send seccheck does not
     * hold, a write on a connected socket). 0, or the errno the rule chose.
     */
    static int beforeDisconnect(Call call, int fd, int sock) {
        long type = SocketCalls.socketOption(sock, SocketCalls.SO_TYPE);
        byte[] name = type == SOCK_STREAM || type == SOCK_SEQPACKET ? null : abstractName(sock);
        if (name == null) {
            return 0;
        }
        SyscallEvent bind = new SyscallEvent(call.tid(), Sysno.BIND, fd, NO_POINTER, name.length, 0, 0, 0, false, 0);
        Snapshot seen = new Snapshot(NO_POINTER, name);
        int denied = call.check(bind, seen);
        call.checked(bind, seen, -denied);
        return denied;
    }

    /** Whether {@code addr} is a unix address of a length connect and send take. */
    private static boolean valid(byte[] addr) {
        return addr != null && addr.length > AUTOBIND.length && addr.length <= AUTOBIND.length + SUN_PATH_MAX
                && family(addr) == SockAddr.AF_UNIX;
    }

    private static int family(byte[] addr) {
        return addr[0] & 0xff | (addr[1] & 0xff) << 8;
    }
}
