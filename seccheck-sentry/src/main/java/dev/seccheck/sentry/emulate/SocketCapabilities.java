package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;

/**
 * SocketCapabilities keeps a call seccheck makes on a program's socket from passing a capability
 * check the program would fail. The kernel checks such a call's capabilities over the user
 * namespace owning the socket's network namespace: CAP_NET_BIND_SERVICE for a bind to a
 * privileged port, CAP_NET_RAW or CAP_NET_ADMIN for a send's ancillary data (SO_MARK,
 * SO_PRIORITY, IPv6 hop-by-hop and destination options), CAP_NET_RAW for an IPv6 option, and
 * any for a netlink bind, connect or request (its groups, and the handler that runs the request in
 * the sender's context). Unix sockets and the rest of a connect or listen ask for none over a
 * namespace (only a unix peer sees the effective uid, SO_PEERCRED).
 *
 * <p>seccheck's thread is in seccheck's user namespace and takes the program's effective uid;
 * when that uid made the namespace below seccheck's that the socket's namespace lies in (a
 * program that ran {@code unshare -Urn}), the kernel gives the thread every capability there,
 * whatever its effective set, where the program holds its own effective set (or none, in a
 * namespace below its own that it did not make). A program that dropped its capabilities would get
 * them back through every such call. So for a task outside seccheck's user namespace, a call
 * that may be checked so is first compared: the program's capabilities and the thread's over the
 * socket's namespace, as the kernel's walk gives them ({@link NamespaceCapability}). Where the
 * thread would hold one the program lacks, seccheck as root makes the call with an effective uid
 * that made nothing ({@link #notOwner}), so that the thread holds none there and the kernel
 * answers as for the program without it; unprivileged seccheck cannot take another uid and
 * refuses the call itself: EACCES for a bind below port 1024 (a network namespace's
 * {@code ip_unprivileged_port_start}, which seccheck cannot read in another network namespace,
 * is taken as its default), EPERM for the others. A task in seccheck's own user namespace is
 * checked with its own effective set by the kernel and pays for nothing here.
 */
final class SocketCapabilities {
    private SocketCapabilities() {}

    static final long CAP_NET_BIND_SERVICE = 1L << 10;
    static final long CAP_NET_ADMIN = 1L << 12;
    static final long CAP_NET_RAW = 1L << 13;
    /** The first port a bind needs no capability for in a new network namespace. */
    static final int UNPRIVILEGED_PORT_START = 1024;
    /** An uid that made no namespace below seccheck's a program's uid did; 65534 unless it is the program's. */
    private static final int NOBODY = 65534;

    /**
     * The capabilities the kernel may check over the socket's namespace for call {@code nr}
     * (bind, connect or sendto) on a socket of family {@code domain}, to {@code addr} (the address
     * its protocol reads) with ancillary data of {@code controlLength} bytes; 0 for none. For
     * unprivileged seccheck ({@code !privileged}), which refuses rather than makes a bind it
     * cannot make as the program, a bind is counted checked only below port 1024.
     */
    static long checked(int nr, long domain, byte[] addr, int controlLength, boolean privileged) {
        if (domain == SockAddr.AF_NETLINK) {
            return NamespaceCapability.ALL;
        }
        if (domain != SockAddr.AF_INET && domain != SockAddr.AF_INET6) {
            return 0;
        }
        return switch (nr) {
            case Sysno.BIND -> port(addr) != 0 && (privileged || port(addr) < UNPRIVILEGED_PORT_START)
                    ? CAP_NET_BIND_SERVICE : 0;
            case Sysno.SENDTO -> controlLength > 0 ? CAP_NET_RAW | CAP_NET_ADMIN : 0;
            default -> 0;
        };
    }

    /** The port of an IPv4 or IPv6 address (network order in bytes 2-3), 0 when it is too short. */
    static int port(byte[] addr) {
        return addr == null || addr.length < 4 ? 0 : (addr[2] & 0xff) << 8 | addr[3] & 0xff;
    }

    /**
     * Of the capabilities {@code checked}, those that seccheck's thread, calling with effective uid
     * {@code threadEuid} and effective set {@code threadCaps} from seccheck's user namespace (of
     * inode {@code ownNs}), would hold over the namespace of our copy {@code sock} of the
     * program's socket and task {@code tid} lacks: 0 when none, or when the socket's namespace
     * cannot be read (the thread then cannot ask SIOCGSKNS either, which needs CAP_NET_ADMIN
     * there: it holds nothing there). Paid only for a task outside seccheck's user namespace
     * ({@link NamespaceCapability#lacking}).
     */
    static long lacking(PathCalls calls, TaskFiles tasks, int tid, int sock, long ownNs, long threadEuid,
            long threadCaps, long checked) {
        int net = SocketCalls.networkNamespace(sock);
        if (net < 0) {
            return 0;
        }
        try {
            return NamespaceCapability.lacking(calls, tasks, tid, () -> NamespaceFiles.owningUserNamespace(net), ownNs,
                    threadEuid, threadCaps, checked);
        } finally {
            PathCalls.close(net);
        }
    }

    /**
     * An effective uid other than {@code euid}, the owner of the namespace the thread must not
     * own: only the maker of the namespace right below the thread's own counts on the kernel's
     * walk, so any other uid holds nothing there.
     */
    static int notOwner(int euid) {
        return euid == NOBODY ? NOBODY - 1 : NOBODY;
    }
}
