package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SentBytes;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.UserRanges;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.ReachedPeer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * NetEmulation performs connect, bind, and sendto with an address for the program: it reads the
 * address once, fires the enter points of connect (or bind) with that copy, and when they allow it
 * makes the call on the program's own socket ({@code pidfd_getfd}) with the same copy, returning
 * the kernel's answer unchanged (EINPROGRESS, ECONNREFUSED, a short count). A sendto carrying an
 * address is reported at connect's points (it reaches that peer as a connect would; its data is
 * not part of the message). A unix socket path is walked like an open ({@link PathWalk}, from the
 * program's cwd and root, with its identity) before the points, which are shown the socket's real
 * path, and the call is made through seccheck's fd of the socket found (of its directory, for a
 * bind), so {@code /proc/self/...}, symlinks and relative names mean the program's and a rule on
 * {@code unix_path} holds for each; a socket bound to a path is a new name, which the sinks
 * deciding on opening files may refuse. Every call is made
 * with the credentials of the program's thread ({@link Identity}): its capabilities decide a
 * bind to a low port, and a unix peer sees its user and group ids. The peer sees seccheck's pid
 * (SO_PEERCRED, SCM_CREDENTIALS), as a peer of a gVisor sandbox sees the sandbox's; so a
 * connect to a seccheck process that refuses supervised programs by their pid (a run's control
 * socket, a monitoring server) is refused here. The call itself is made where the program's own
 * Landlock domain applies ({@link LandlockDomains}: its TCP bind and connect rules).
 */
final class NetEmulation {

    private static final int SOCKADDR_MAX = 128;
    /** The ancillary data of a call that carries none. */
    static final byte[] NO_CONTROL = new byte[0];
    private static final int AF_UNIX = SockAddr.AF_UNIX;
    private static final int AF_RDS = 21;
    /** The kernel crypto API's sockets, whose bind names an algorithm and whose accept makes an operation. */
    static final int AF_ALG = 38;
    private static final int AF_VSOCK = 40;
    private static final int SOCKADDR_IN_LEN = 16;
    private static final int SOCKADDR_IN6_RFC2133_LEN = 24;
    private static final int SUN_PATH_MAX = 108;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    /** Data copied for one emulated sendto; a longer send returns this count, a legal short send. */
    private static final int SEND_MAX = 1 << 20;

    private final PathCalls calls;
    private final PathWalk walk;
    private final RealPath names;
    private final ProgramMemory memory;
    private final Identity.Own own;
    private final MessageSends messages;
    private final InboundConnections inbound;
    private final TaskFiles tasks;
    private final LandlockDomains landlock;
    /** The run's descriptor tables: whether another task could put a socket under a number meanwhile. */
    private final FileTables files;
    /** A sink decides at connect: a netlink call of a task sharing its descriptor table is made by seccheck. */
    private final boolean peersDecided;
    /**
     * Binds are held only to decide those that pick a link ({@link #picksALink}): a sink decides at
     * connect, and nothing else decides binds (no bind point, no rule on names).
     */
    private final boolean bindsOnlyForLinks;
    private final Consumer<String> log;
    private final NamedBinds namedBinds;
    private final BrokenPipes pipes = new BrokenPipes();
    /** Keeps what is addressed to loopback on the loopback device; serves the options that choose one. */
    final DeviceSteering steering;
    private final MulticastJoins joins;

    NetEmulation(PathCalls calls, PathWalk walk, RealPath names, ProgramMemory memory, Identity.Own own,
            TaskFiles tasks, LandlockDomains landlock, FileTables files, boolean peersDecided, boolean bindsOnlyForLinks,
            PassedFdBudget passedFds, Consumer<String> log) {
        this.files = files;
        this.peersDecided = peersDecided;
        this.bindsOnlyForLinks = bindsOnlyForLinks;
        this.names = names;
        this.tasks = tasks;
        this.landlock = landlock;
        this.log = log;
        this.calls = calls;
        this.walk = walk;
        this.memory = memory;
        this.own = own;
        this.messages = new MessageSends(memory, this, passedFds);
        this.inbound = new InboundConnections(this, calls, memory);
        this.namedBinds = new NamedBinds(calls, log);
        this.steering = new DeviceSteering(this, calls);
        this.joins = new MulticastJoins(this);
    }

    /**
     * Serves a held connect, bind, sendto, sendmsg or sendmmsg, or accept
     * ({@link InboundConnections}). On the notifier thread
     * ({@link Call#onNotifier}, a bind only) a unix path whose walk would look names up in a
     * filesystem that may block is given up before any point fired or anything was answered.
     *
     * @return false when given up: the caller serves it again on a pool thread
     */
    boolean serve(Call call) {
        SeccompNotification n = call.notification();
        MultipathSockets.Transport multipath = n.nr() == Sysno.SOCKET ? MultipathSockets.held(n.arg0(), n.arg1(), n.arg2())
                : null;
        if (multipath != null) {
            multipathSocket(call, multipath);
            return true;
        }
        if (n.nr() == Sysno.SOCKET) {
            rawSocket(call);
            return true;
        }
        // The program's socket, taken once (-errno when the fd is none: the call then fails as
        // natively). Held by the call, released before its answer: a copy kept past it kept the
        // socket open after the program closed it, and its peer saw no end.
        int sock = call.held().fd(socketOf(call, (int) n.arg0()));
        try {
            if (sock >= 0) {
                call.madeOn(SocketCalls.cookie(sock)); // a repeat after a signal is one on this very socket
            }
            if (n.nr() == Sysno.SETSOCKOPT && MulticastJoins.holds(n.arg1(), n.arg2())) {
                joins.serve(call, sock);
                return true;
            }
            if (n.nr() == Sysno.SETSOCKOPT && DeviceSteering.holds(n.arg1(), n.arg2())) {
                steering.setOption(call, sock);
                return true;
            }
            if (n.nr() == Sysno.SETSOCKOPT) {
                setOption(call, sock);
                return true;
            }
            if (n.nr() == Sysno.ACCEPT || n.nr() == Sysno.ACCEPT4) {
                inbound.serve(call, sock);
                return true;
            }
            if (n.nr() == Sysno.LISTEN) {
                Listens.serve(call, sock, log, op -> asProgram(call, Sysno.LISTEN, op));
                return true;
            }
            // The socket's family, asked once: a netlink one is served as made, a unix one walks its paths.
            long domain = sock < 0 ? -1 : SocketCalls.socketOption(sock, SocketCalls.SO_DOMAIN);
            if (n.nr() == Sysno.SENDMSG || n.nr() == Sysno.SENDMMSG) {
                messages.serve(call, sock, domain);
                return true;
            }
            return serve(call, sock, domain);
        } finally {
            call.held().release();
        }
    }

    /** The setsockopt event of held call {@code call}, from its registers. */
    static SyscallEvent setsockoptEvent(Call call) {
        SeccompNotification n = call.notification();
        return new SyscallEvent(call.tid(), Sysno.SETSOCKOPT, n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(), 0,
                false, 0);
    }

    /**
     * The family (SO_DOMAIN) of our copy {@code sock} of the program's socket, or -1 when there is
     * none: the call is then failed with the kernel's errno (EBADF for no descriptor or an O_PATH
     * one, ENOTSOCK for no socket), which it gives before it looks at anything else.
     */
    static long domainOrFail(Call call, SyscallEvent ev, int sock) {
        long domain = sock < 0 ? sock : SocketCalls.socketOption(sock, SocketCalls.SO_DOMAIN);
        if (domain < 0) {
            call.fail(ev, Snapshot.NOTHING, (int) -domain);
            return -1;
        }
        return domain;
    }

    /**
     * The first {@code read} bytes of a held setsockopt's value on our copy {@code sock} of the
     * program's socket, read once as the kernel reads them; null where they cannot be read, the
     * call then answered: its enter points fired with nothing, the option set from no memory with
     * the program's length, so that the kernel answers as it would the program (EFAULT where it
     * reads the value, its own errno where it refuses first), and nothing is set.
     */
    Snapshot optionValue(Call call, SyscallEvent ev, int sock, int read) {
        SeccompNotification n = call.notification();
        try {
            return new Snapshot(n.arg3(), read <= 0 ? new byte[0] : memory.bytes(call.tid(), n.arg3(), read));
        } catch (ProgramMemory.Fault f) {
            int level = (int) n.arg1();
            int name = (int) n.arg2();
            int optlen = (int) n.arg4();
            if (call.enter(ev, Snapshot.NOTHING) == 0) {
                call.complete(ev, Snapshot.NOTHING, asProgram(call, Sysno.SETSOCKOPT,
                        () -> SocketCalls.setsockoptWithoutValue(sock, level, name, optlen)));
            }
            return null;
        }
    }

    /**
     * Serves a setsockopt the filter held as one that may set a source route
     * ({@link SourceRoutes}) or make a raw socket take the program's IP header
     * ({@link RawHeaders}) on the program's socket {@code sock} (-errno when none): reads the
     * value once, fires setsockopt's enter points with that copy, refuses a route or a header
     * taken with EPERM and a line on the run's log, and otherwise sets the copy on the socket as
     * the program would.
     */
    private void setOption(Call call, int sock) {
        SeccompNotification n = call.notification();
        int level = (int) n.arg1();
        int name = (int) n.arg2();
        boolean header = RawHeaders.holdsOption(level, name);
        // The header options are ints to the kernel, which reads one, or from a shorter value
        // IPv4's first byte (IPv6 none: readsNothing).
        long given = n.arg4() & 0xffffffffL;
        int length = !header ? (int) n.arg4() : given >= Integer.BYTES ? Integer.BYTES : given >= 1 ? 1 : 0;
        SyscallEvent ev = setsockoptEvent(call);
        long domain = domainOrFail(call, ev, sock); // the descriptor first, then the length
        if (domain < 0) {
            return;
        }
        if ((int) n.arg4() < 0) {
            call.fail(ev, Snapshot.NOTHING, Errno.EINVAL);
            return;
        }
        if (readsNothing(sock, domain, level, name, n.arg3(), length)) {
            // Performed on the socket seen, with no value: the kernel reads none (and a NULL
            // pointer cannot carry one), so no route or header comes of it, and the program cannot
            // put another socket under its number meanwhile (as for a call let run as made).
            if (call.enter(ev, Snapshot.NOTHING) == 0) {
                int optlen = (int) n.arg4();
                call.complete(ev, Snapshot.NOTHING, asProgram(call, Sysno.SETSOCKOPT,
                        () -> SocketCalls.setsockoptWithoutValue(sock, level, name, optlen)));
            }
            return;
        }
        if (level == SourceRoutes.SOL_IPV6 && n.arg3() != 0 && (n.arg4() & 0xffffffffL) >= Integer.BYTES) {
            // IPv6 reads an int at a pointer other than NULL before it looks at the option (EFAULT first).
            try {
                memory.bytes(call.tid(), n.arg3(), Integer.BYTES);
            } catch (ProgramMemory.Fault f) {
                call.failUnreadable(ev, f);
                return;
            }
        }
        if (!header && SourceRoutes.lengthRefused(level, name, length)) {
            // The kernel refuses the length before it reads the value.
            call.fail(ev, Snapshot.NOTHING, Errno.EINVAL);
            return;
        }
        byte[] value;
        try {
            value = length == 0 ? new byte[0] : memory.bytes(call.tid(), n.arg3(), length);
        } catch (ProgramMemory.Fault f) {
            call.failUnreadable(ev, f);
            return;
        }
        Snapshot seen = new Snapshot(n.arg3(), value);
        if (call.enter(ev, seen) != 0) {
            return;
        }
        if (header) {
            // Only on a raw socket of the level's family does the kernel take the option.
            boolean ownFamily = domain == (level == SourceRoutes.SOL_IP ? SockAddr.AF_INET : SockAddr.AF_INET6);
            if (ownFamily && RawHeaders.raw(SocketCalls.socketOption(sock, SocketCalls.SO_TYPE))
                    && RawHeaders.turnsOn(level, value)) {
                refused(call, "a raw socket taking the program's IP header sends packets to the header's destination,"
                        + " not to the address a connect or send names", Errno.EPERM);
                call.fail(ev, seen, Errno.EPERM);
                return;
            }
        } else if (domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6) {
            String route;
            try {
                route = SourceRoutes.inOption(level, name, value);
            } catch (AncillaryData.Malformed e) {
                call.fail(ev, seen, Errno.EINVAL);
                return;
            }
            if (route != null) {
                // The kernel checks the whole list before it keeps any of it: a list it refuses
                // (EINVAL) sets nothing and is answered as natively. It is asked on a socket of
                // seccheck's own, with the program's identity, so nothing reaches the program's;
                // an IPv4 list as the program's CAP_NET_RAW makes it (IpOptions#forTrial).
                boolean refused = level == SourceRoutes.SOL_IP
                        ? refusedWhole(call, IpOptions.of(value, 0, value.length))
                        : asProgram(call, Sysno.SETSOCKOPT,
                                () -> SocketCalls.trySetsockopt((int) domain, level, name, value)) == -Errno.EINVAL;
                if (refused) {
                    call.fail(ev, seen, Errno.EINVAL);
                    return;
                }
                refused(call, route + " would send the socket's packets to hosts no connect or send names",
                        Errno.EPERM);
                call.fail(ev, seen, Errno.EPERM);
                return;
            }
        }
        call.complete(ev, seen,
                asProgram(call, Sysno.SETSOCKOPT, sock, level == SourceRoutes.SOL_IPV6 && name != SourceRoutes.IPV6_RTHDR
                        && (domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6) ? SocketCapabilities.CAP_NET_RAW : 0,
                        () -> SocketCalls.setsockopt(sock, level, name, value)));
    }

    /**
     * Whether the kernel reads no value for option {@code name} at {@code level} on socket
     * {@code sock} of family {@code domain}, given at {@code pointer} with {@code length} bytes
     * (an int's at most, for a header option): a family other than IPv4's and IPv6's has neither
     * level (unix: EOPNOTSUPP; others: ENOPROTOOPT), an IPv4 socket no IPv6 level, a raw IPv6
     * socket no IPv4 level (ENOPROTOOPT); and IPv6 reads nothing at a NULL pointer (the option is
     * 0: a routing header is refused, EINVAL, or with a length of 0 removed) or shorter than an
     * int for its header option (0).
     */
    private static boolean readsNothing(int sock, long domain, int level, int name, long pointer, int length) {
        boolean header = RawHeaders.holdsOption(level, name);
        if (domain != SockAddr.AF_INET && domain != SockAddr.AF_INET6) {
            return true;
        }
        if (level == SourceRoutes.SOL_IPV6) {
            return domain == SockAddr.AF_INET || (pointer == 0 ? header || name == SourceRoutes.IPV6_RTHDR
                    : header && length < Integer.BYTES);
        }
        return domain == SockAddr.AF_INET6 && RawHeaders.raw(SocketCalls.socketOption(sock, SocketCalls.SO_TYPE));
    }

    /**
     * Whether the kernel would refuse IPv4 option list {@code options} from the program whole
     * (EINVAL), as a socket option or a message's IP_RETOPTS: asked on a socket of seccheck's own,
     * with the program's identity, of the list as the program's CAP_NET_RAW lets the kernel read
     * it ({@link IpOptions#forTrial}), so nothing reaches the program's socket.
     */
    boolean refusedWhole(Call call, IpOptions options) {
        byte[] tried = options.forTrial(() -> NetworkCapability.netRaw(calls, tasks, call.tid()));
        return tried == null || asProgram(call, Sysno.SETSOCKOPT, () -> SocketCalls.trySetsockopt(SockAddr.AF_INET,
                SourceRoutes.SOL_IP, SourceRoutes.IP_OPTIONS, tried)) == -Errno.EINVAL;
    }

    /**
     * What socket {@code sock} of family {@code domain} makes of ancillary record {@code r} of
     * {@code data}, which names a source route ({@link PassedFds.Route}): a stream socket takes no
     * IP-level record (TCP reads only the socket level's), an IPv4 socket no IPv6 one, and no other
     * family either; a record the kernel refuses fails the send as natively; any other is taken.
     * (An IPv6 socket reads an IPv4 record only for an IPv4-mapped peer; it counts as taken for
     * any.)
     */
    PassedFds.Route routeRecord(Call call, int sock, long domain, AncillaryData.Record r, byte[] data) {
        boolean ipv4 = r.level() == SourceRoutes.SOL_IP;
        boolean ip = domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6;
        boolean stream = SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) == SOCK_STREAM;
        if (!ip || !ipv4 && domain != SockAddr.AF_INET6 || stream) {
            return PassedFds.Route.IGNORED;
        }
        int length = Math.min(r.valueLength(), SourceRoutes.IP_OPTIONS_MAX);
        boolean refused = ipv4 ? refusedWhole(call, IpOptions.of(data, r.valueAt(), length)) : headerRefused(call, r, data);
        return refused ? PassedFds.Route.REFUSED : PassedFds.Route.TAKEN;
    }

    /**
     * Whether the kernel would refuse IPv6 routing header record {@code r} of a message's
     * {@code data} (EINVAL): asked as RFC 2292's packet options holding that record alone, which
     * the kernel reads with the code that reads a message's records, on a socket of seccheck's own
     * with the program's identity. It refuses a segment routing header there (it takes one only
     * as a socket option), and on a kernel without Mobile IPv6 any header.
     */
    private boolean headerRefused(Call call, AncillaryData.Record r, byte[] data) {
        byte[] alone = Arrays.copyOfRange(data, r.at(), r.at() + r.length());
        return asProgram(call, Sysno.SETSOCKOPT, () -> SocketCalls.trySetsockopt(SockAddr.AF_INET6,
                SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_2292PKTOPTIONS, alone)) == -Errno.EINVAL;
    }

    /**
     * Serves a held socket() of IPPROTO_RAW ({@link RawHeaders}): fires its enter points, then
     * refuses a raw one with EPERM and a line, and lets any other type run as made (its arguments
     * are all in registers; the kernel refuses that protocol for them).
     */
    private void rawSocket(Call call) {
        SeccompNotification n = call.notification();
        SyscallEvent ev = new SyscallEvent(call.tid(), Sysno.SOCKET, n.arg0(), n.arg1(), n.arg2(), 0, 0, 0, false, 0);
        boolean asMade = !RawHeaders.raw(n.arg1());
        if (asMade) {
            call.madeByTheKernel();
        }
        if (call.enter(ev, Snapshot.NOTHING) != 0) {
            return;
        }
        if (asMade) {
            call.allowAsMade();
            return;
        }
        refused(call, "a raw socket writing its own IP header (IPPROTO_RAW) sends packets to the header's"
                + " destination, not to the address a connect or send names", Errno.EPERM);
        call.fail(ev, Snapshot.NOTHING, Errno.EPERM);
    }

    /**
     * Serves a held socket() that would make an SCTP or MPTCP socket ({@link MultipathSockets}):
     * fires its enter points, then refuses it as a kernel without that transport does, with a line
     * on the run's log.
     */
    private void multipathSocket(Call call, MultipathSockets.Transport transport) {
        SeccompNotification n = call.notification();
        SyscallEvent ev = new SyscallEvent(call.tid(), Sysno.SOCKET, n.arg0(), n.arg1(), n.arg2(), 0, 0, 0, false, 0);
        int errno = MultipathSockets.refusal(n.arg1());
        if (call.enter(ev, Snapshot.NOTHING) != 0) {
            return;
        }
        refused(call, transport.why, errno);
        call.fail(ev, Snapshot.NOTHING, errno);
    }

    /** Says on the run's log that a call of the program was refused with {@code errno}, and why. */
    void refused(Call call, String why, int errno) {
        log.accept("refused " + Sysno.name(call.notification().nr()) + " from task " + call.tid() + " ("
                + Procfs.comm(call.tid()) + "): " + why + " (" + Errno.name(errno) + ")");
    }

    /**
     * Serves connect, bind or sendto on the program's socket {@code sock} (-errno when none) of
     * family {@code domain} (SO_DOMAIN; negative when unknown or unreadable); false when given up on the notifier
     * ({@link #serve(Call)}).
     */
    private boolean serve(Call call, int sock, long domain) {
        SeccompNotification n = call.notification();
        boolean send = n.nr() == Sysno.SENDTO;
        int fd = (int) n.arg0();
        long addrPtr = send ? n.arg4() : n.arg1();
        // The kernel takes the length as an int: the register's upper half is not looked at.
        long addrLen = (int) (send ? n.arg5() : n.arg2());
        int reported = n.nr() == Sysno.BIND ? Sysno.BIND : Sysno.CONNECT;
        SyscallEvent ev = new SyscallEvent(call.tid(), reported, fd, addrPtr, addrLen, 0, 0, 0, false, 0);
        // The kernel's order: a send's buffer range (before the descriptor is even looked up), the
        // descriptor, the address's length and bytes; the protocol's own checks come last, and a
        // send's data is copied only then (SentBytes).
        // (connect looks at the address before it asks whether the file is a socket at all).
        long dataLen = send ? UserRanges.rwCount(n.arg2()) : 0;
        // An O_PATH fd is none to a socket call (EBADF): our copy of it answers getsockopt so too.
        int noFd = sock < 0 ? -sock : domain == -Errno.EBADF ? Errno.EBADF : 0;
        int notSocket = noFd == 0 && domain < 0 ? (int) -domain : 0;
        int early = send && !UserRanges.inUserRange(n.arg1(), dataLen) ? Errno.EFAULT
                : noFd != 0 ? noFd : n.nr() == Sysno.CONNECT ? 0 : notSocket;
        if (addrLen < 0 || addrLen > SOCKADDR_MAX) {
            call.fail(ev, Snapshot.NOTHING, early != 0 ? early : Errno.EINVAL);
            return true;
        }
        byte[] addr;
        try {
            addr = memory.bytes(call.tid(), addrPtr, (int) addrLen);
        } catch (ProgramMemory.Fault f) {
            // The points still see the call, with its address missing: a policy decides on that absence.
            Unreadable unread = Unreadable.of(f);
            call.refuse(ev, unread, early != 0 ? early : f.errno);
            return true;
        }
        Snapshot seen = new Snapshot(addrPtr, addr);
        if (early != 0 || notSocket != 0) {
            call.refuse(ev, seen, early != 0 ? early : notSocket);
            return true;
        }
        SendData data = send ? sendData(call.tid(), sock, (int) n.arg3(), n.arg1(), n.arg2()) : null;
        if (domain == SockAddr.AF_NETLINK) {
            if (n.nr() == Sysno.CONNECT && isUnspecified(addr)) {
                // A disconnect (the kernel's netlink_connect answers 0): made on seccheck's copy of
                // the address, which the points saw, never let run as made, where a second thread
                // could turn it into a connect to a peer no point was shown.
                if (call.enter(ev, seen) == 0) {
                    call.complete(ev, seen, asProgram(call, Sysno.CONNECT, () -> SocketCalls.connect(sock, addr)));
                }
                return true;
            }
            if (letRunAsMade(call)) {
                decideAsMade(call, ev, seen, addr);
            } else if (data instanceof SendData.Read r && r.bytes().endsEarly()) {
                call.fail(ev, seen, Errno.EFAULT); // a request is read whole before it is decided
            } else {
                makeNetlink(call, ev, seen, sock, addr, data == null ? null : ((SendData.Read) data).bytes().readable());
            }
            return true;
        }
        if (n.nr() == Sysno.CONNECT && isUnspecified(addr) && disconnectsOnUnspecified(domain)) {
            // A disconnect (or, on a unix stream, EINVAL): the kernel reads nothing past the
            // family. Made on seccheck's copy of the address, undecided, as an address that
            // reaches no peer is: a rule on family, ip or port would refuse the standard way to
            // dissolve an association (the README's guard policy did, ENETUNREACH for family 0).
            // A unix datagram socket at an abstract name then receives from anyone: that name is decided.
            int unnamed = domain == AF_UNIX ? KernelChosenNames.beforeDisconnect(call, fd, sock) : 0;
            call.complete(ev, seen, unnamed != 0 ? -unnamed
                    : asProgram(call, Sysno.CONNECT, () -> SocketCalls.connect(sock, addr)));
            return true;
        }
        if (n.nr() == Sysno.BIND && domain == AF_UNIX && bindsOnlyForLinks && letRunAsMade(call)) {
            // Held only to see its family: bound by the kernel, a unix socket keeps the whole name
            // the program gave (bound by seccheck, its last component), and no other task can put
            // another socket under the number meanwhile.
            call.enterThenAllowAsMade(ev, seen);
            return true;
        }
        // What the socket's protocol reads from the address, when that is not the address as named.
        byte[] read = sock < 0 ? addr : n.nr() == Sysno.BIND ? ProtocolAddress.bound(sock, domain, addr)
                : ProtocolAddress.read(sock, domain, addr, send);
        // An address the socket's protocol refuses for its family or length (RefusedAddresses).
        boolean refused = n.nr() != Sysno.BIND && RefusedAddresses.refused(sock, domain, addr, send);
        boolean ignored = !refused && !reachesNoPeer(read) && send && ignoresName(sock, domain, (int) n.arg3());
        if (refused || reachesNoPeer(read) || ignored) {
            // Made as given, undecided: the protocol refuses such an address (EINVAL, EAFNOSUPPORT)
            // wherever it uses it, and a socket that ignores it (a connected stream's send) sends
            // to the peer its connect chose. Deciding a rule on the part that is there, or on the
            // address by a family the socket does not have, would answer otherwise.
            if (ignored) {
                // A send to the socket's peer, as one without an address: the points of the call as
                // made, not connect's, which would report a connect to an address no packet goes to.
                ev = SyscallEvent.held(n);
                if (call.enter(ev, seen) != 0) {
                    return true;
                }
            } else if (!call.begin(ev, seen)) {
                return true; // a repeat, answered by the attempt it repeats (Restarts)
            }
            // A seqpacket socket's send names the socket whatever address it ignores.
            int unnamed = KernelChosenNames.beforeCall(call, fd, sock, domain, n.nr(), addr, send ? (int) n.arg3() : 0);
            if (unnamed != 0) {
                call.complete(ev, seen, -unnamed);
                return true;
            }
            SendData payload = data;
            byte[] madeTo = refused ? RefusedAddresses.made(domain, addr) : addr;
            long checked = SocketCapabilities.checked(n.nr(), domain, addr, 0, own.privileged());
            long r = mayWait(call, sock, waiting -> asProgram(call, n.nr(), sock, checked, () -> perform(sock, madeTo, n.nr(),
                    payload, (int) n.arg3(), NO_CONTROL, waiting)));
            raiseBrokenPipe(call, r);
            call.complete(ev, seen, r);
            return true;
        }
        if (n.nr() == Sysno.BIND && KernelChosenNames.isAutobind(domain, addr)) {
            // The kernel chooses the name: decided as the empty abstract name, made as the program asked.
            seen = new Snapshot(addrPtr, KernelChosenNames.DECIDED);
            ev = new SyscallEvent(call.tid(), reported, fd, addrPtr, seen.bytes().length, 0, 0, 0, false, 0);
        }
        try (UnixPeer peer = unixPeer(call, sock, domain, addr, n.nr())) {
            if (peer != null && peer.givenUp()) {
                return false;
            }
            if (peer != null) {
                seen = peer.shown(addrPtr);
                ev = new SyscallEvent(call.tid(), reported, fd, addrPtr, seen.bytes().length, 0, 0, 0, false, 0);
                call.reached(peer.file());
            }
            ReachedPeer reached = n.nr() == Sysno.BIND ? null : reachedPeer(sock, domain, addr, read, NO_CONTROL);
            // A bind is decided on the address its protocol binds, beside the one named, as a connect is.
            call.reachedPeer(n.nr() != Sysno.BIND ? reached : read == addr ? null : new ReachedPeer(read));
            if (call.enter(ev, seen) != 0) {
                return true;
            }
            if (n.nr() == Sysno.BIND && picksALink(domain)) {
                // Its later sends name no address: the bind is where their peer is chosen.
                int denied = call.check(new SyscallEvent(call.tid(), Sysno.CONNECT, fd, addrPtr, addrLen, 0, 0, 0,
                        false, 0), seen);
                if (denied != 0) {
                    call.fail(ev, seen, denied);
                    return true;
                }
            }
            if (sock < 0) {
                call.fail(ev, seen, -sock);
                return true;
            }
            // Named before the peer is looked up, as the kernel names it: also where the walk found none.
            int unnamed = KernelChosenNames.beforeCall(call, fd, sock, domain, n.nr(), addr, send ? (int) n.arg3() : 0);
            if (unnamed != 0) {
                call.fail(ev, seen, unnamed);
                return true;
            }
            SendData payload = data;
            byte[] target = aimed(addr, read, reached);
            long checked = SocketCapabilities.checked(n.nr(), domain, read, 0, own.privileged());
            // A bind reaches no peer; a connect or send to loopback stays on the loopback device (DeviceSteering).
            LongSupplier made = () -> mayWait(call, sock, waiting -> peer != null ? viaPeer(call, sock, peer, n.nr(), payload,
                    (int) n.arg3(), NO_CONTROL, waiting) : asProgram(call, n.nr(), sock, checked, () -> perform(sock, target,
                    n.nr(), payload, (int) n.arg3(), NO_CONTROL, waiting)));
            long r = n.nr() == Sysno.BIND ? made.getAsLong()
                    : steering.toDestination(call, sock, domain, UnspecifiedAddress.isUnspecified(read) ? target : read,
                            NO_CONTROL, made);
            if (n.nr() == Sysno.CONNECT && r == 0 && isUnix(addr)) {
                // Checked as seccheck again, not as the program: a /proc hiding other users' processes
                // must not hide the listener's name.
                r = refusedServer(call, sock, isUnixPath(addr) ? unixPath(addr) : "an abstract socket");
            }
            raiseBrokenPipe(call, r);
            call.complete(ev, seen, r);
            return true;
        }
    }

    /**
     * Where a connect or a send from our copy {@code sock} of the program's socket (-errno when
     * none), of family {@code domain}, to {@code named} goes, when that is not the address named:
     * the address its protocol reads ({@code read}, {@link ProtocolAddress}), and the local host
     * for the unspecified address ({@link UnspecifiedAddress}), from the source a datagram's
     * ancillary data {@code control} sets, if any; else null.
     */
    ReachedPeer reachedPeer(int sock, long domain, byte[] named, byte[] read, byte[] control) {
        if (UnspecifiedAddress.isUnspecified(read)) {
            // A stream socket reads no IP-level record: only a datagram's sets its source.
            boolean datagram = control.length > 0 && sock >= 0
                    && (domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6)
                    && SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) != SOCK_STREAM;
            byte[] source = datagram ? UnspecifiedAddress.packetInfoSource(control, domain == SockAddr.AF_INET6) : null;
            return new ReachedPeer(UnspecifiedAddress.reached(read, sock < 0 ? null : SocketCalls.getsockname(sock),
                    source));
        }
        return read == named ? null : new ReachedPeer(read);
    }

    /**
     * The address a connect or send to {@code named} (read by its protocol as {@code read}) is
     * made to, once decided as reaching {@code reached} ({@link #reachedPeer}): for the
     * unspecified address, the local address decided, so that the kernel goes there whatever a
     * second thread does to the socket meanwhile (a bind between seccheck's look at its address
     * and the call made 0.0.0.0 reach the address bound, which no rule was asked about); the
     * address as named otherwise, its port and the rest kept (a raw IPv6 socket reads the port as
     * its protocol).
     */
    static byte[] aimed(byte[] named, byte[] read, ReachedPeer reached) {
        if (reached == null || !UnspecifiedAddress.isUnspecified(read)) {
            return named;
        }
        byte[] local = reached.address();
        boolean ipv4 = (read[0] & 0xff | (read[1] & 0xff) << 8) == SockAddr.AF_INET;
        int at = ipv4 ? 4 : 8;
        int length = ipv4 ? 4 : 16;
        byte[] out = named.clone();
        out[0] = read[0];
        out[1] = read[1];
        System.arraycopy(local, at, out, at, length);
        return out;
    }

    /**
     * The families whose bind names only a local address (unix, IPv4, IPv6, netlink, vsock, the
     * kernel's crypto API, RDS): a later send without an address goes to a peer chosen by a
     * connect, which is decided, or to none.
     */
    private static final Set<Long> LOCAL_BINDS = Set.of((long) AF_UNIX, (long) SockAddr.AF_INET,
            (long) SockAddr.AF_INET6, (long) SockAddr.AF_NETLINK, (long) AF_VSOCK, (long) AF_ALG, (long) AF_RDS);

    /**
     * Whether a bind of a socket of family {@code domain} (SO_DOMAIN) picks the link its frames go
     * out on: a packet socket bound to a device (AF_PACKET), an XDP socket bound to a queue, a CAN
     * socket, and any other family not known to bind a local address only ({@link #LOCAL_BINDS}).
     * Its sends then name no address at all, so the bind is decided at connect's points, as a
     * sendto with an address is.
     */
    static boolean picksALink(long domain) {
        return domain >= 0 && !LOCAL_BINDS.contains(domain);
    }

    /** Whether {@code addr} is of family AF_UNSPEC: a connect to it is a disconnect. */
    static boolean isUnspecified(byte[] addr) {
        return addr.length >= 2 && addr[0] == 0 && addr[1] == 0;
    }

    /**
     * Whether a connect to an address of family AF_UNSPEC on a socket of family {@code domain}
     * (SO_DOMAIN) reaches no peer, whatever follows the family: IPv4 and IPv6 sockets of every
     * type (inet_dgram_connect, inet_stream_connect) disconnect, looking at nothing else, and so
     * does a unix datagram socket (unix_dgram_connect), while a unix stream or seqpacket socket
     * refuses it (EINVAL). Other families are decided as any connect: some read an address
     * without looking at its family.
     */
    static boolean disconnectsOnUnspecified(long domain) {
        return domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6 || domain == AF_UNIX;
    }

    /** Whether {@code addr} is a netlink address (or too short to say: the kernel then refuses it itself). */
    static boolean isNetlinkAddress(byte[] addr) {
        return addr.length < 2 || (addr[0] & 0xff | (addr[1] & 0xff) << 8) == SockAddr.AF_NETLINK;
    }

    /**
     * Fires the enter points of a call on a netlink socket with seccheck's copy of its address and,
     * when allowed, lets the kernel make it from the program's memory. A netlink message is a
     * request to the kernel, served in the sender's context: the fds it names (IFLA_NET_NS_FD, a
     * BPF program's) are looked up in the sender's fd table, its pids in the sender's pid
     * namespace. Sent by seccheck, they were seccheck's: {@code ip link set DEV netns NAME} failed
     * with EINVAL, and could have moved the device into a namespace seccheck held open. Only for a
     * call {@link #letRunAsMade} allows: no task can swap another socket in under its number, and
     * a thread rewriting the address changes nothing a rule matches on (the rest of a netlink
     * address); an address whose copy is not a netlink one is refused with EINVAL, as the kernel
     * refuses it, so the points never show another family.
     */
    void decideAsMade(Call call, SyscallEvent ev, Snapshot seen, byte[] addr) {
        if (!isNetlinkAddress(addr)) {
            call.fail(ev, seen, Errno.EINVAL);
            return;
        }
        call.enterThenAllowAsMade(ev, seen);
    }

    /**
     * Whether a netlink call may be let run as made, the kernel looking its socket up again by
     * number: when no sink decides at connect (an observing session sees the call as checked), or
     * when no other task shares the caller's descriptor table ({@link FileTables}), so that none
     * can put another socket under the number meanwhile.
     */
    boolean letRunAsMade(Call call) {
        return !peersDecided || !sharesItsTable(call);
    }

    /** Whether another task shares the descriptor table of {@code call}'s task ({@link FileTables#shared}). */
    boolean sharesItsTable(Call call) {
        return files.shared(call.tid(), call.tgid());
    }

    /**
     * Makes a netlink connect, bind or sendto ({@code data}, null for the first two) of a task
     * whose descriptor table another shares: letting the kernel make it as made, a second task
     * could put another socket under the number and another address in the buffer after the
     * check, and reach a peer the rules deny. seccheck decides on its copy of the address and
     * makes the call itself on its copy of the socket ({@code sock}), a request only if it names
     * nothing the kernel would look up in the sender's context ({@link NetlinkRequests}); others
     * are refused with EPERM.
     */
    private void makeNetlink(Call call, SyscallEvent ev, Snapshot seen, int sock, byte[] addr, byte[] data) {
        int nr = call.notification().nr();
        if (!isNetlinkAddress(addr)) {
            call.fail(ev, seen, Errno.EINVAL);
            return;
        }
        if (call.enter(ev, seen) != 0) {
            return;
        }
        String refusal = data == null ? null : netlinkRefusal(call, netlinkProtocol(sock), data);
        if (refusal != null) {
            call.fail(ev, seen, Errno.EPERM);
            return;
        }
        SendData payload = new SendData.Read(SentBytes.of(data == null ? new byte[0] : data));
        int flags = (int) call.notification().arg3();
        call.complete(ev, seen, asProgram(call, nr, sock, NamespaceCapability.ALL,
                () -> perform(sock, addr, nr, payload, flags, NO_CONTROL)));
    }

    /** The netlink protocol of our copy {@code sock} of the program's socket (SO_PROTOCOL), or -errno. */
    static long netlinkProtocol(int sock) {
        return SocketCalls.socketOption(sock, SocketCalls.SO_PROTOCOL);
    }

    /**
     * Why seccheck may not send the netlink request {@code data} on a socket of {@code protocol}
     * ({@link #netlinkProtocol}) for a task sharing its descriptor table ({@link NetlinkRequests}),
     * said on the run's log; null when it may.
     */
    String netlinkRefusal(Call call, long protocol, byte[] data) {
        String what = NetlinkRequests.refusal(protocol, data);
        if (what == null) {
            return null;
        }
        String why = what + ", from a task whose descriptor table another task shares: seccheck sends it itself,"
                + " and the kernel would look up the descriptors and pids it names in seccheck's context";
        refused(call, why, Errno.EPERM);
        return why;
    }

    /**
     * The data of a sendto with {@code flags} of {@code len} bytes at {@code addr} by task {@code tid} on our copy
     * {@code sock} of its socket (its range checked): on a stream socket, left in the program's
     * memory to go in chunks, or read now, up to {@link #SEND_MAX} ({@link StreamChunks#data}).
     */
    private SendData sendData(int tid, int sock, int flags, long addr, long len) {
        long length = Math.min(UserRanges.rwCount(len), SEND_MAX);
        return StreamChunks.data(tid, sock, flags, new long[] {addr}, new long[] {length}, length,
                () -> memory.sent(tid, addr, len, SEND_MAX));
    }

    /**
     * Sends {@code data} (with the ancillary data {@code control}) to {@code addr} on our copy
     * {@code sock} of the program's socket (-errno when it has none, returned as is) once the
     * points allowed it; to {@code peer} instead when the address is a unix path
     * ({@link #unixPeer}): the count or -errno.
     */
    long sendTo(Call call, int sock, SendData data, int flags, byte[] addr, UnixPeer peer, byte[] control) {
        if (sock < 0) {
            return sock;
        }
        long checked = peer != null || control.length == 0 ? 0 : SocketCapabilities.checked(Sysno.SENDTO,
                SocketCalls.socketOption(sock, SocketCalls.SO_DOMAIN), addr, control.length, own.privileged());
        return mayWait(call, sock, waiting -> peer != null ? viaPeer(call, sock, peer, Sysno.SENDTO, data, flags, control,
                waiting) : asProgram(call, Sysno.SENDTO, sock, checked, () -> perform(sock, addr, Sysno.SENDTO, data, flags, control,
                waiting)));
    }

    /**
     * Before a send call is answered with {@code answer}: gives the program's thread the SIGPIPE
     * one of the sends made for it raised, if one did ({@link BrokenPipes}).
     */
    void raiseBrokenPipe(Call call, long answer) {
        pipes.raise(call, answer);
    }

    /**
     * Makes a connect or a send that may wait in the kernel (a full listener's backlog, a receiver
     * that reads nothing): {@code made} performs it through the {@link BlockingSocketCall} it is
     * given, which {@link Waits} ends once the program no longer waits for {@code call}, and which
     * tells the tracer what a signal to the task ends it with ({@link SignalledCalls}). A bind
     * made so never waits, and is never ended.
     */
    private static long mayWait(Call call, int sock, ToLongFunction<BlockingSocketCall> made) {
        BlockingSocketCall waiting = new BlockingSocketCall(call, call.tid(), call.notification().nr(), sock);
        return Waits.ALL.around(call, call.tid(), waiting, () -> made.applyAsLong(waiting));
    }


    /** The TCP protocol number (SO_PROTOCOL of a TCP socket) and getsockopt level. */
    private static final int IPPROTO_TCP = 6;
    /** The TCP option that defers a connect to the first send (which then names the address). */
    private static final int TCP_FASTOPEN_CONNECT = 30;
    /** The send flag that makes a TCP send connect, to the address it names (linux/socket.h). */
    static final int MSG_FASTOPEN = 0x20000000;

    /**
     * Whether a send with flags {@code flags} on our copy {@code sock} of the program's socket, of
     * family {@code domain}, never uses the address it names: a unix stream socket refuses any
     * (EISCONN, EOPNOTSUPP), a unix seqpacket socket sends to its peer whatever it names; neither
     * looks the path up. A TCP or Multipath TCP socket never reads the address a send names
     * unless the send connects: MSG_FASTOPEN (EISCONN then, decided as before) or a connect
     * deferred by TCP_FASTOPEN_CONNECT (taken as possible whenever the option is set). Otherwise
     * it sends to the peer of its connect, established or still connecting (the send waits for
     * it, or says EAGAIN), and one never connected fails (EPIPE). Deciding the named address there
     * refused, and alerted on, a connect no packet makes, and reported it (red-team round 23: a
     * send on a socket still in SYN_SENT, or on a Multipath TCP one).
     */
    boolean ignoresName(int sock, long domain, int flags) {
        long type = SocketCalls.socketOption(sock, SocketCalls.SO_TYPE);
        if (domain == AF_UNIX) {
            return type == SOCK_STREAM || type == SOCK_SEQPACKET;
        }
        long protocol = SocketCalls.socketOption(sock, SocketCalls.SO_PROTOCOL);
        return (domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6) && type == SOCK_STREAM
                && (flags & MSG_FASTOPEN) == 0
                && (protocol == IPPROTO_TCP || protocol == MultipathSockets.IPPROTO_MPTCP)
                && SocketCalls.option(sock, IPPROTO_TCP, TCP_FASTOPEN_CONNECT) == 0;
    }

    /**
     * An address no call reaches a peer with: one too short for its family
     * ({@link #tooShortForItsFamily}), or a unix one longer than {@code sockaddr_un}, which every
     * unix socket refuses with EINVAL. Judged by the address alone; what a TCP or UDP socket
     * refuses for its own family is {@link RefusedAddresses}'.
     */
    static boolean reachesNoPeer(byte[] addr) {
        return tooShortForItsFamily(addr) || addr.length > 2 + SUN_PATH_MAX && isUnix(addr);
    }

    /**
     * An IPv4 address shorter than {@code sockaddr_in} or an IPv6 one shorter than RFC 2133's
     * {@code sockaddr_in6}: connect, bind and sendto refuse both with EINVAL in the protocol
     * (the same check Landlock makes before its rules).
     */
    static boolean tooShortForItsFamily(byte[] addr) {
        if (addr.length < 2) {
            return false;
        }
        int family = addr[0] & 0xff | (addr[1] & 0xff) << 8;
        return family == SockAddr.AF_INET && addr.length < SOCKADDR_IN_LEN
                || family == SockAddr.AF_INET6 && addr.length < SOCKADDR_IN6_RFC2133_LEN;
    }

    /**
     * Makes {@code op} with the credentials of the program's thread ({@link Identity}): a bind
     * below port 1024 needs the program's CAP_NET_BIND_SERVICE, not seccheck's; and within its
     * Landlock domain, if it has one. -ESRCH when the thread is gone.
     */
    long asProgram(Call call, int nr, LongSupplier op) {
        return asProgram(call, nr, -1, 0, op);
    }

    /**
     * As {@link #asProgram(Call, int, LongSupplier)} for a call on our copy {@code sock} of the
     * program's socket that the kernel may check for capabilities {@code checked} over the
     * socket's network namespace ({@link SocketCapabilities#checked}): for a task outside
     * seccheck's user namespace, made so that seccheck's thread holds none the task lacks there,
     * or refused when seccheck cannot ({@link SocketCapabilities}).
     */
    long asProgram(Call call, int nr, int sock, long checked, LongSupplier op) {
        // A unix connect assumes the program's identity where it walks to the peer (unixPeer).
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, false, false, nr == Sysno.LISTEN);
        if (who.isEmpty()) {
            return -Errno.ESRCH;
        }
        Identity id = who.get();
        if (checked != 0 && sock >= 0 && !tasks.inOwnUserNamespace(call.tid())) {
            int euid = own.privileged() ? id.uids()[1] : own.uids()[1];
            long lacking = SocketCapabilities.lacking(calls, tasks, call.tid(), sock, tasks.ownUserNamespace(),
                    Integer.toUnsignedLong(euid), own.privileged() ? id.caps() : own.effective(), checked);
            if (lacking != 0 && own.privileged()) {
                id = id.withEffectiveUid(SocketCapabilities.notOwner(euid));
            } else if (lacking != 0 && nr == Sysno.BIND) {
                return -Errno.EACCES;
            } else if (lacking != 0) {
                refused(call, "the kernel would check it for a capability over the socket's network namespace that"
                        + " the program lacks and seccheck's thread, owning that namespace, holds", Errno.EPERM);
                return -Errno.EPERM;
            }
        }
        Identity as = id;
        try (Identity.Assumed _ = assume(as, nr)) {
            return landlock.perform(call.tid(), () -> assume(as, nr), nr == Sysno.SENDTO ? pipes.watched(call, op) : op);
        }
    }

    /** A send's receiver may read the sender's real ids (SCM_CREDENTIALS): only a send takes the program's. */
    private Identity.Assumed assume(Identity who, int nr) {
        return nr == Sysno.SENDTO ? who.assumeToSend(own) : who.assume(own);
    }

    /** {@link #perform(int, byte[], int, SendData, int, byte[], BlockingSocketCall)} of a call that cannot wait. */
    private static long perform(int sock, byte[] addr, int nr, SendData data, int flags, byte[] control) {
        return perform(sock, addr, nr, data, flags, control, null);
    }

    /**
     * Makes connect, bind or sendto {@code nr} on our copy {@code sock} of the program's socket; a
     * connect or a send through {@code waiting} when it may wait ({@link #mayWait}), else null. A
     * stream send's data left in the program's memory goes in chunks ({@link StreamChunks}).
     */
    private static long perform(int sock, byte[] addr, int nr, SendData data, int flags, byte[] control,
            BlockingSocketCall waiting) {
        if (data instanceof SendData.InChunks chunked) {
            if (waiting == null) { // only a netlink request or a datagram to a missing path is made so
                throw new IllegalStateException("a stream send made where it cannot wait");
            }
            return waiting.make(new StreamChunks(sock, chunked, flags, addr, control));
        }
        LongSupplier made = switch (nr) {
            case Sysno.CONNECT -> () -> SocketCalls.connect(sock, addr);
            case Sysno.BIND -> () -> SocketCalls.bind(sock, addr);
            case Sysno.SENDTO -> sendWhole((SendData.Read) data, sock, flags, addr, control);
            default -> throw new IllegalArgumentException("not a network call: syscall " + nr);
        };
        return waiting == null || nr == Sysno.BIND ? made.getAsLong() : waiting.make(made);
    }

    /** The send of {@code data}, read whole, with {@code flags} and those it adds ({@link SendData.Read}). */
    private static LongSupplier sendWhole(SendData.Read data, int sock, int flags, byte[] addr, byte[] control) {
        SentBytes bytes = data.bytes();
        int all = flags | data.added();
        return () -> HeldSendBytes.during(bytes.readable().length, () -> control.length == 0
                ? SocketCalls.sendto(sock, bytes, all, addr) : SocketCalls.sendmsg(sock, bytes, all, addr, control));
    }

    /**
     * Where the unix socket path of {@code addr} leads, walked as the program's kernel would walk
     * it (from its cwd and root, with its identity): for a connect or a send, the socket's file,
     * its last symlink followed; for a bind, the directory its file is to be made in. The points
     * are shown its real path ({@link UnixPeer#shown}), so a rule on {@code unix_path} holds for
     * every name that reaches the socket (a symlink, "..", a relative name, {@code /proc/self/...}),
     * and the call is then made on the very file or directory found. Null when {@code addr} is no
     * unix path, or the socket (of family {@code domain}) no unix socket: the kernel refuses the
     * call before any lookup.
     */
    UnixPeer unixPeer(Call call, int sock, long domain, byte[] addr, int nr) {
        if (sock < 0 || domain != AF_UNIX || !isUnixPath(addr)) {
            return null;
        }
        String path = unixPath(addr);
        boolean bind = nr == Sysno.BIND;
        int slash = path.lastIndexOf('/');
        String dirPart = slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
        String name = bind ? path.substring(slash + 1) : null;
        Optional<Identity> who = Identity.of(tasks, call.tid(), own, bind, false, nr == Sysno.CONNECT);
        if (who.isEmpty()) {
            return UnixPeer.failed(addr, Errno.ESRCH);
        }
        boolean fromRoot = path.startsWith("/");
        // Consumed by the walk (PathWalk#find).
        int cwd = fromRoot ? -1
                : calls.openat(dev.seccheck.abi.Fcntl.AT_FDCWD, "/proc/" + call.tid() + "/cwd", O_PATH | O_CLOEXEC);
        try (ProgramRoot root = ProgramRoot.of(calls, call.tid()); Identity.Assumed _ = assume(who.get(), nr)) {
            if (!fromRoot && cwd < 0) {
                return UnixPeer.failed(addr, Errno.ESRCH);
            }
            PathWalk.Request request = new PathWalk.Request(call.tid(), call.tgid(), who.get().fsuid(),
                    bind ? dirPart : path, 0, 0, call.onNotifier());
            PathWalk.Located at = walk.find(bind ? request.notTrailing() : request, cwd, root);
            return switch (at) {
                case PathWalk.Located.Found f -> {
                    PathCalls.close(f.parent());
                    Optional<String> real = names.of(f.fd(), call.tid());
                    // The socket's file (not a bind's directory): its links, and the file by device and inode.
                    PathCalls.Stat st = bind ? null : f.stat() != null ? f.stat() : calls.fstat(f.fd());
                    yield new UnixPeer(call.held().fd(f.fd()), name, who.get(), addr,
                            real.map(d -> bind && !name.isEmpty() ? RealPath.join(d, "/" + name) : d).orElse(null),
                            st == null ? 1 : st.nlink(), st == null ? null : new ReachedFile(st.dev(), st.ino(), st.ctimeNs()),
                            0, call.held());
                }
                case PathWalk.Located.Missing m -> {
                    PathCalls.close(m.dir());
                    yield UnixPeer.failed(addr, Errno.ENOENT);
                }
                case PathWalk.Located.Failed f -> UnixPeer.failed(addr, f.errno());
                // A walk on the notifier that would look names up where that may block.
                case PathWalk.Located.Elsewhere e -> UnixPeer.failed(addr, UnixPeer.GIVEN_UP);
                // No socket lies below /proc/sys.
                default -> UnixPeer.failed(addr, Errno.EACCES);
            };
        }
    }

    /**
     * A unix socket path as the walk found it ({@link #unixPeer}): our O_PATH fd of the socket's
     * file (a connect, a send) or of its directory (a bind, with the last component {@code name}),
     * or the errno the walk failed with, as the kernel's lookup would; the real path the points
     * are shown, null when seccheck cannot name the file (a mount of the program's own namespace);
     * the socket file's link count (1 for a bind) and the file by device and inode (null for a
     * bind or a failed walk: a rule on {@code unix_path} also holds for it under a name it does not
     * match, a rename's, {@link ReachedFile}); {@code holder}, what the call holds, {@code fd}
     * among it, until its answer ({@link Call#held}).
     */
    record UnixPeer(int fd, String name, Identity who, byte[] given, String real, long links, ReachedFile file,
            int errno, HeldFiles holder)
            implements AutoCloseable {
        /** The errno of a walk given up on the notifier ({@link #givenUp}); no errno is this low. */
        static final int GIVEN_UP = Integer.MIN_VALUE;

        static UnixPeer failed(byte[] given, int errno) {
            return new UnixPeer(-1, null, null, given, null, 1, null, errno, null);
        }

        /** Whether the walk was given up on the notifier: the call is to be served on a pool thread. */
        boolean givenUp() {
            return errno == GIVEN_UP;
        }

        /** The address the points are shown: AF_UNIX and the real path, or the program's when there is none. */
        byte[] shown() {
            if (real == null) {
                return given;
            }
            byte[] path = FileNames.encode(real);
            byte[] out = new byte[2 + path.length + 1];
            System.arraycopy(given, 0, out, 0, 2);
            System.arraycopy(path, 0, out, 2, path.length);
            return out.length <= SOCKADDR_MAX ? out : given;
        }

        /**
         * That address as the points read it at {@code addr}: its path recorded as missing where it
         * is not the socket's one real path (a rule on {@code unix_path} then decides by
         * {@code on_missing}): a mount seccheck cannot name, a path longer than a socket address
         * holds, or a socket with hard links, whose other names a rule would not know.
         */
        Snapshot shown(long addr) {
            byte[] bytes = shown();
            if (errno != 0) {
                return new Snapshot(addr, bytes);
            }
            String doubt = real == null
                    ? "on a mount seccheck cannot name: one of the program's own mount namespace, or a detached one"
                    : bytes == given ? "the socket's real path is longer than a socket address holds"
                    : links > 1 ? "the socket has " + links + " names (hard links)" : null;
            return new Snapshot(addr, bytes, doubt);
        }

        /** Closes our fd now, unless the call's answer released it already ({@link HeldFiles#close}). */
        @Override
        public void close() {
            if (holder != null) {
                holder.close(fd);
            }
        }
    }

    /**
     * Makes a connect, bind or send to the unix socket {@code peer} found, through our fd of it
     * ({@code /proc/thread-self/fd/N}, or {@code .../N/name} for a bind), with the program's identity
     * and Landlock domain: the count or -errno; the walk's errno when it failed. A connect or a
     * send goes through {@code waiting} when it may wait, else null.
     */
    private long viaPeer(Call call, int sock, UnixPeer peer, int nr, SendData data, int flags, byte[] control,
            BlockingSocketCall waiting) {
        if (peer.errno() != 0) {
            return nr == Sysno.SENDTO ? lookupFailure(call, sock, data, flags, control, peer.errno()) : -peer.errno();
        }
        if (nr == Sysno.BIND) {
            int refused = runDirectory(call, peer);
            if (refused == 0) {
                refused = boundName(call, peer);
            }
            if (refused != 0) {
                return refused;
            }
        }
        boolean named = peer.name() != null && !peer.name().isEmpty();
        if (nr == Sysno.BIND && named) {
            return bindInside(call, sock, peer);
        }
        String via = "/proc/thread-self/fd/" + peer.fd() + (named ? "/" + peer.name() : "");
        byte[] viaBytes = FileNames.encode(via);
        if (viaBytes.length >= SUN_PATH_MAX) {
            return -Errno.ENAMETOOLONG;
        }
        // The family, the path, and a NUL: nothing of the program's longer path may follow it.
        byte[] ours = new byte[2 + viaBytes.length + 1];
        System.arraycopy(peer.given(), 0, ours, 0, 2);
        System.arraycopy(viaBytes, 0, ours, 2, viaBytes.length);
        try (Identity.Assumed _ = assume(peer.who(), nr)) {
            LongSupplier made = () -> perform(sock, ours, nr, data, flags, control, waiting);
            return landlock.perform(call.tid(), () -> assume(peer.who(), nr),
                    nr == Sysno.SENDTO ? pipes.watched(call, made) : made);
        }
    }

    /**
     * A datagram's send to a unix path the walk found nothing at ({@code errno}, not 0). The
     * kernel looks the path up only after its other checks (the data's size and bytes, the
     * ancillary data), so the send is made to an abstract name no socket has: when one of those
     * fails first its answer is the kernel's, and when the send reaches the lookup (ECONNREFUSED,
     * nothing sent) it is the walk's.
     */
    private long lookupFailure(Call call, int sock, SendData data, int flags, byte[] control, int errno) {
        long r = asProgram(call, Sysno.SENDTO, () -> perform(sock, NoSuchPeer.ADDRESS, Sysno.SENDTO, data, flags, control));
        return r == -Errno.ECONNREFUSED ? -errno : r;
    }

    /**
     * An abstract unix name of 32 random hex digits: no socket of the run can have guessed it.
     * Made at its first use, not when the emulation starts: SecureRandom's first instance loads
     * the security providers and seeds itself, a start-up cost on the program's first emulated
     * open (BENCHMARKS.md, "Session 43: start-up") that only a failed lookup needs.
     */
    private static final class NoSuchPeer {
        static final byte[] ADDRESS = noSuchPeer();
    }

    private static byte[] noSuchPeer() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        byte[] name = ("\0seccheck-no-peer-" + HexFormat.of().formatHex(random)).getBytes(StandardCharsets.US_ASCII);
        byte[] addr = new byte[2 + name.length];
        addr[0] = (byte) AF_UNIX;
        System.arraycopy(name, 0, addr, 2, name.length);
        return addr;
    }

    /**
     * Binds {@code sock} under the program's own address, checked to land in the directory the
     * walk found ({@link NamedBinds}); where that cannot be done (a program with a root of its own,
     * a real path through a directory the program may not search), to the last component of its path from inside that directory, made the working directory of
     * the thread that binds for the call (every emulation thread has an fs_struct of its own): the
     * socket then keeps that name, which is all of the program's for a name without a slash, as
     * {@code getsockname} and its peers show it. Bound through seccheck's path to the directory,
     * it was named {@code /proc/thread-self/fd/N/name}.
     */
    private long bindInside(Call call, int sock, UnixPeer peer) {
        byte[] address = boundAddress(call, peer);
        long named = address == null ? NamedBinds.BY_LAST_COMPONENT
                : namedBinds.bind(call.tid(), sock, address, address != peer.given(), peer.fd(), peer.name(), op -> {
            try (Identity.Assumed _ = assume(peer.who(), Sysno.BIND)) {
                return landlock.perform(call.tid(), () -> assume(peer.who(), Sysno.BIND), op);
            }
        });
        if (named != NamedBinds.BY_LAST_COMPONENT) {
            return named;
        }
        byte[] name = FileNames.encode(peer.name());
        // The family and the name, its length exact (the kernel ends it itself, as for a name of 108 bytes).
        byte[] ours = new byte[2 + name.length];
        System.arraycopy(peer.given(), 0, ours, 0, 2);
        System.arraycopy(name, 0, ours, 2, name.length);
        try (Identity.Assumed _ = assume(peer.who(), Sysno.BIND)) {
            return landlock.perform(call.tid(), () -> assume(peer.who(), Sysno.BIND), () -> {
                int in = calls.fchdir(peer.fd());
                if (in < 0) {
                    return in;
                }
                try {
                    return SocketCalls.bind(sock, ours);
                } finally {
                    calls.chdir("/");
                }
            });
        }
    }

    /**
     * The address a unix socket is bound to ({@link NamedBinds}): the program's own when its path
     * leads to the decided file with no symlink, "." or ".." on the way (the path names the socket
     * for its peers as natively); else the decided file's real path, absolute, when it fits: never
     * a relative name the program did not give, which a peer would look up from its own cwd. Null
     * when neither fits or the file cannot be named (the bind is then made by the last component).
     */
    private static byte[] boundAddress(Call call, UnixPeer peer) {
        if (peer.real() == null) {
            return null;
        }
        String path = unixPath(peer.given());
        boolean plain = !path.contains("//") && Arrays.stream(path.split("/")).noneMatch(c -> c.equals(".") || c.equals(".."));
        if (plain && path.startsWith("/") && path.equals(peer.real())) {
            return peer.given();
        }
        if (plain && !path.startsWith("/")) {
            Optional<String> cwd = Procfs.link(call.tid(), "cwd");
            if (cwd.isPresent() && RealPath.join(cwd.get(), "/" + path).equals(peer.real())) {
                return peer.given();
            }
        }
        byte[] real = FileNames.encode(peer.real());
        if (real.length >= SUN_PATH_MAX) {
            return null;
        }
        byte[] out = new byte[2 + real.length];
        System.arraycopy(peer.given(), 0, out, 0, 2);
        System.arraycopy(real, 0, out, 2, real.length);
        return out;
    }

    /**
     * -EPERM, logged, for a bind in the directory of this run's control socket
     * ({@link RefusingServers#isRunDirectory}), else 0. The listen seccheck makes for the program
     * ({@link Listens}) gives this run's pid as the listener, the very pid a control client
     * trusts: a program that unlinked the control socket and bound its own there would be taken
     * for the run (sessions listed, a locked session "created", an operator's {@code seccheck exec}
     * environment sent to it). Decided on the directory the walk found, which the bind is made in.
     */
    private int runDirectory(Call call, UnixPeer peer) {
        PathCalls.Stat dir = calls.fstat(peer.fd());
        if (dir == null || !RefusingServers.isRunDirectory(dir.dev(), dir.ino())) {
            return 0;
        }
        log.accept("refused bind from task " + call.tid() + " (" + Procfs.comm(call.tid()) + "): "
                + (peer.real() == null ? "its name" : peer.real()) + " is in this run's control directory, where"
                + " a socket listened on by seccheck would pass as the run's control socket (EPERM)");
        return -Errno.EPERM;
    }

    /**
     * A unix socket bound to a path makes a file of that name (the kernel's mknod of a socket), so
     * the sinks that decide on opening files are shown it as a new name ({@link NameChange}), as
     * mknod's is: a program may not make a socket where a rule denies it the name (and pose as the
     * server its clients expect there). -EPERM when they refuse it, -EACCES when seccheck cannot
     * name the directory, else 0. A bind the kernel fails before making anything ("." or "..", a
     * trailing slash) is not shown.
     */
    private int boundName(Call call, UnixPeer peer) {
        String name = peer.name();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return 0;
        }
        if (peer.real() == null) {
            return -Errno.EACCES; // a mount seccheck cannot name: no rule could be checked on it
        }
        // The directory's device and inode let a rule know the name under its other names (a bind mount's).
        int slash = peer.real().lastIndexOf('/');
        NameChange.Parent in = new NameChange.Parent(slash <= 0 ? "/" : peer.real().substring(0, slash),
                NameWalks.reached(calls.fstat(peer.fd())));
        return call.refuses(NameChange.created("bind", call.tgid(), call.tid(), call.comm(), peer.real(), false)
                .in(in)) ? -Errno.EPERM : 0;
    }

    /**
     * The connect just made: 0, or -EPERM when it reached a seccheck process that refuses
     * supervised programs ({@link RefusingServers}: a run's control socket, a monitoring server),
     * which is then cut. That process saw seccheck's pid, not the program's, and would have taken
     * the program for seccheck. Decided on the listener the kernel connected to (SO_PEERCRED),
     * not on the name, which another thread could have changed; a listener of this process that
     * seccheck made for a program ({@link ProgramListeners}) is the program's own server, reached
     * as natively. The refused connection was made, so the server it reached sees a client that
     * hung up at once: only seccheck's own servers and other runs' programs' servers are refused,
     * and the pid that decides is known only once the kernel has connected.
     */
    private long refusedServer(Call call, int sock, String what) {
        long listener = SocketCalls.peerPid(sock);
        Optional<String> seccheck = listener <= 0 ? Optional.empty() : RefusingServers.of((int) listener);
        if (seccheck.isEmpty()) {
            return 0;
        }
        if (listener == OWN_PID) {
            // A listen this process made for a program bears the run's mark too: its own server.
            PathCalls.Stat st = calls.fstat(sock);
            if (st != null && ProgramListeners.reached(st.ino())) {
                return 0;
            }
        }
        SocketCalls.shutdown(sock);
        log.accept("refused connect from task " + call.tid() + " (" + Procfs.comm(call.tid()) + "): " + what
                + " is served by pid " + listener + " (" + seccheck.get()
                + "), which refuses supervised programs and would have seen seccheck connect (EPERM)");
        return -Errno.EPERM;
    }

    /** This process's pid: the listener the kernel records for every listen seccheck makes. */
    private static final long OWN_PID = ProcessHandle.current().pid();

    private static boolean isUnix(byte[] addr) {
        return addr.length >= 2 && (addr[0] & 0xff | (addr[1] & 0xff) << 8) == AF_UNIX;
    }

    private static boolean isUnixPath(byte[] addr) {
        return addr.length > 2 && (addr[0] & 0xff | (addr[1] & 0xff) << 8) == AF_UNIX && addr[2] != 0;
    }

    private static String unixPath(byte[] addr) {
        int end = 2;
        while (end < addr.length && addr[end] != 0) {
            end++;
        }
        return FileNames.decode(addr, 2, end - 2);
    }

    /** Our copy of the program's descriptor {@code fd} (a socket, or a file a message passes), or -errno. */
    int socketOf(Call call, int fd) {
        return Identity.anchor(() -> tasks.getfd(call.tid(), call.tgid(), fd));
    }
}
