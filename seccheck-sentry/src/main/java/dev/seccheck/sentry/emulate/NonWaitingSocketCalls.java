package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.ThreadIds;

/**
 * NonWaitingSocketCalls tells whether a held connect or send that a signal interrupted before
 * seccheck made it (being decided, or about to be made: {@link BlockingSocketCall}) is one the
 * kernel's own call makes at once, and so is never interrupted natively: a connect of a datagram or raw socket (it only
 * sets the peer), a send on an IP (or other non-unix) datagram or raw socket, and any of them on a
 * non-blocking socket or with MSG_DONTWAIT. Such a call is repeated after the handler
 * ({@link SignalledCalls}), where before it failed with EINTR: under a 50 us timer 9,200-15,000 of
 * 20,000 UDP sendto calls naming an address, under a session deciding them (natively none).
 *
 * <p>Left to the signal: a stream connect (it waits for the handshake) and a stream or seqpacket
 * send (it waits for room), a unix datagram send (it waits for room in its peer's queue), whose
 * decision time stands for a wait the kernel's call may have had. A datagram send that natively
 * waits for room in its own send buffer is taken as one that does not.
 *
 * <p>Asked at the task's signal-delivery stop, on the tracer thread: the task's socket is looked at
 * through a copy of its fd, a few system calls on a path that is a ptrace stop already.
 */
final class NonWaitingSocketCalls {

    private static final int MSG_DONTWAIT = 0x40;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_RAW = 3;
    private static final int AF_UNIX = 1;

    private NonWaitingSocketCalls() {}

    /**
     * Whether syscall {@code nr} with arguments {@code args} of thread {@code tid} (of process
     * {@code tgid}) is a connect or send that natively never waits; false when it cannot be told.
     */
    static boolean neverWaits(int tid, int tgid, long nr, long[] args) {
        long flags = switch ((int) nr) {
            case Sysno.CONNECT -> 0;
            case Sysno.SENDTO, Sysno.SENDMMSG -> args[3];
            case Sysno.SENDMSG -> args[2];
            default -> -1;
        };
        if (flags < 0 || nr != (int) nr) {
            return false;
        }
        if ((flags & MSG_DONTWAIT) != 0) {
            return true;
        }
        int fd = ThreadIds.copyFd(tid, tgid, (int) args[0]);
        if (fd < 0) {
            return false;
        }
        try {
            return neverWaitsOn(fd, nr);
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * Whether a connect or send {@code nr} without MSG_DONTWAIT on socket {@code fd} (seccheck's
     * copy of the program's) natively never waits.
     */
    static boolean neverWaitsOn(int fd, long nr) {
        long status = SocketCalls.statusFlags(fd);
        if (status >= 0 && (status & Fcntl.O_NONBLOCK) != 0) {
            return true;
        }
        long type = SocketCalls.socketOption(fd, SocketCalls.SO_TYPE);
        if (type != SOCK_DGRAM && type != SOCK_RAW) {
            return false;
        }
        return nr == Sysno.CONNECT || SocketCalls.socketOption(fd, SocketCalls.SO_DOMAIN) != AF_UNIX;
    }
}
