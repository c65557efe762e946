package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.UnixDiag;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Listens makes a listen for the program while a sink decides at bind's points, so that a
 * {@code bind_network} rule holds for every address a server comes up on. A listen on an IPv4 or
 * IPv6 stream socket that was never bound binds it itself (0.0.0.0 or {@code ::}, an ephemeral
 * port, or the one {@code IP_LOCAL_PORT_RANGE} pins), with no bind call to decide: a server came
 * up on a port a rule denied. seccheck binds such a socket as the kernel would (the wildcard
 * address, port 0: the same port choice), then fires bind's enter points with the address the
 * socket is bound to, and makes the listen on its copy of the socket only when they allow it.
 * A socket bound before is decided again the same way: a listen refused after seccheck bound the
 * socket leaves it bound, and the next listen must not pass as one on a socket bound by a
 * decided bind. A unix socket at an abstract name is decided on that name the same way: the kernel
 * may have chosen it where seccheck decided nothing (a connect or send it does not hold,
 * {@link KernelChosenNames}); one at a path was decided at its bind, on the socket's real path,
 * which its name may not be. Other sockets (those, and datagram ones, whose listen fails) are
 * listened on as they are, on the same copy, so no task can put another socket under the number
 * meanwhile.
 *
 * <p>Every listen is made with the credentials of the program's thread ({@link Identity}): the
 * kernel records the listener's user and group ids at listen for its clients (SO_PEERCRED), and a
 * root seccheck's would tell them a program of uid 65534 was root. The pid it records is
 * seccheck's, which no thread can change; so seccheck's own clients refuse a server named
 * {@code seccheck-run} (the remote sink, a replay), and no socket of the program is bound in the
 * run's control directory ({@link NetEmulation}). A unix listen made is recorded
 * ({@link ProgramListeners}), so that the program's own clients reach it as natively.
 */
final class Listens {
    private Listens() {}

    private static final int SOCK_STREAM = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_TYPE_MASK = 0xf;
    /**
     * Where the bind event's address is read from: the Bind message carries only the address, but
     * a decoder reads it at the call's pointer, and the program passed none (any but NULL does).
     */
    private static final long NO_POINTER = 1;

    /** Makes a call with the credentials (and Landlock domain) of the program's thread: its result, or -errno. */
    interface AsProgram {
        long call(LongSupplier op);
    }

    /**
     * Serves a held listen on our copy {@code sock} of the program's socket (-errno when the fd is
     * none): fires listen's enter points, then decides and makes it {@code asProgram}; {@code log}
     * says why a listen was refused that no rule refused.
     */
    static void serve(Call call, int sock, Consumer<String> log, AsProgram asProgram) {
        SeccompNotification n = call.notification();
        int backlog = (int) n.arg1();
        SyscallEvent ev = new SyscallEvent(call.tid(), Sysno.LISTEN, n.arg0(), n.arg1(), 0, 0, 0, 0, false, 0);
        if (call.enter(ev, Snapshot.NOTHING) != 0) {
            return;
        }
        long domain = sock < 0 ? sock : SocketCalls.socketOption(sock, SocketCalls.SO_DOMAIN);
        if (domain < 0) {
            call.fail(ev, Snapshot.NOTHING, (int) -domain); // EBADF, ENOTSOCK: as natively
            return;
        }
        boolean ip = domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6;
        if (domain == SockAddr.AF_UNIX && atOwnEndpoint(sock)) {
            log.accept("refused listen from task " + call.tid() + " (" + Procfs.comm(call.tid()) + "): its socket is at"
                    + " the endpoint a remote sink of this run delivers to, where seccheck's listen would pass for the"
                    + " monitoring server (EPERM)");
            call.fail(ev, Snapshot.NOTHING, Errno.EPERM);
            return;
        }
        int type = (int) SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) & SOCK_TYPE_MASK;
        // A unix server at an abstract name is decided on it: the kernel may have chosen it undecided.
        byte[] named = domain == SockAddr.AF_UNIX && (type == SOCK_STREAM || type == SOCK_SEQPACKET)
                ? KernelChosenNames.abstractName(sock) : null;
        if (named == null && (!ip || type != SOCK_STREAM)) {
            call.complete(ev, Snapshot.NOTHING, listen(sock, backlog, domain, asProgram));
            return;
        }
        byte[] local = named != null ? named : SocketCalls.getsockname(sock);
        if (named == null && (local == null || port(local) == 0)) {
            long bound = SocketCalls.bind(sock, wildcard(domain));
            local = SocketCalls.getsockname(sock);
            if (bound < 0 && bound != -Errno.EINVAL) {
                call.fail(ev, Snapshot.NOTHING, (int) -bound); // no port left: the listen's own EADDRINUSE
                return;
            }
            if (local == null || port(local) == 0) {
                // IP_BIND_ADDRESS_NO_PORT put the port off: the listen would choose one undecided.
                log.accept("refused listen from task " + call.tid() + " (" + Procfs.comm(call.tid()) + "): its socket"
                        + " has no port yet and IP_BIND_ADDRESS_NO_PORT keeps seccheck from choosing the one a"
                        + " bind rule would decide (EACCES)");
                call.fail(ev, Snapshot.NOTHING, Errno.EACCES);
                return;
            }
        }
        SyscallEvent bind = new SyscallEvent(call.tid(), Sysno.BIND, n.arg0(), NO_POINTER, local.length, 0, 0, 0,
                false, 0);
        Snapshot seen = new Snapshot(NO_POINTER, local);
        int denied = call.check(bind, seen);
        if (denied != 0) {
            call.checked(bind, seen, -denied);
            call.fail(ev, Snapshot.NOTHING, denied);
            return;
        }
        long r = listen(sock, backlog, domain, asProgram);
        call.checked(bind, seen, r < 0 ? r : 0);
        call.complete(ev, Snapshot.NOTHING, r);
    }

    /** Makes the listen on {@code sock}, of family {@code domain}, {@code asProgram}: 0 or -errno. */
    private static long listen(int sock, int backlog, long domain, AsProgram asProgram) {
        long r = asProgram.call(() -> SocketCalls.listen(sock, backlog));
        if (r == 0 && domain == SockAddr.AF_UNIX) {
            // Recorded before the program learns of it: no client of its can connect before.
            PathCalls.Stat st = new PathCalls().fstat(sock);
            if (st != null) {
                ProgramListeners.listened(st.ino());
            }
        }
        return r;
    }

    /** The port of a sockaddr_in or sockaddr_in6. */
    private static int port(byte[] addr) {
        return addr.length < 4 ? 0 : (addr[2] & 0xff) << 8 | (addr[3] & 0xff);
    }

    /** The wildcard address with port 0 of family {@code domain}: what the kernel's autobind takes. */
    private static byte[] wildcard(long domain) {
        byte[] addr = new byte[domain == SockAddr.AF_INET ? 16 : 28];
        addr[0] = (byte) domain;
        return addr;
    }

    /**
     * Whether unix socket {@code sock} is bound to the file at one of the endpoints this run's
     * remote sinks deliver to. The kernel records the listen seccheck makes as this process's, the
     * run's own pid: its sink, reconnecting while the server is away, took a program that bound
     * the endpoint's name for the server and sent it the run's points. A socket the kernel's
     * diagnostics do not show (another network namespace's) or cannot be asked about is not told:
     * README, "the remote sink".
     */
    private static boolean atOwnEndpoint(int sock) {
        if (!RefusingServers.deliversAnywhere()) {
            return false;
        }
        PathCalls.Stat st = new PathCalls().fstat(sock);
        if (st == null) {
            return false; // not our socket any more: the listen fails as natively
        }
        try {
            long[] file = UnixDiag.boundFile(st.ino());
            return file != null && file.length == 2 && RefusingServers.isOwnEndpoint(file[0], file[1]);
        } catch (LinuxException e) {
            return false;
        }
    }
}
