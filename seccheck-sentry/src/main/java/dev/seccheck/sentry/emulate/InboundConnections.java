package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * InboundConnections performs accept and accept4 for the program while a sink decides at their
 * points, so that a rule on who may reach the program holds: a server listening on every address
 * takes connections from other hosts, and what it sends on them goes out without a connect or an
 * address. seccheck accepts the connection itself, on its copy of the program's listening socket
 * ({@code pidfd_getfd}), and fires the enter points only then, with the peer's address as the
 * kernel gave it ({@link TaskMemory#acceptedPeer}): nothing the program wrote is decided on.
 * Allowed, the new socket is installed in the program (close-on-exec and non-blocking as asked)
 * and the address written where the program asked for it, exactly as the kernel writes it (a
 * short buffer gets the start and the full length). Denied, the connection is closed, so the peer
 * sees it end, and the call fails with the rule's errno (ECONNABORTED is what servers take for
 * "try the next one"). Errors the kernel finds before a connection (EBADF, ENOTSOCK, EINVAL,
 * EOPNOTSUPP, EAGAIN) are its own, with the enter points fired without an address; so is an
 * AF_ALG socket's accept, which has no peer ({@link #algorithm}).
 *
 * <p>A blocking accept waits on a pool thread of its own, as the task waits in it natively:
 * {@code poll} in slices of {@link #WAIT_SLICE_MS}, checking between them that the task still
 * waits (a signal ends the wait; a repeat after it is taken over by this wait, see {@link Call#begin}),
 * so that seccheck never holds the program's socket, or a connection, for a task that went away.
 * It ends with EAGAIN once the listener's receive timeout (SO_RCVTIMEO) runs out, as the kernel's
 * ({@code inet_csk_wait_for_connect}, {@code skb_recv_datagram} for a unix listener): the timeout is
 * read when the call begins, as the kernel reads it once (a timeout the program sets meanwhile
 * changes nothing), and again when a repeat takes a wait without one over ({@link Taking#repeated}).
 * The accept itself never waits: every accept of the run's tasks comes here, and those on one
 * socket take turns ({@link #STRIPES}), so a connection seen pending is still there to accept. A
 * process outside the run sharing the listening socket could take it in between: the accept then
 * waits for the next connection.
 */
final class InboundConnections {

    /** How long a blocking accept waits for a connection before it checks that the task still waits. */
    static final int WAIT_SLICE_MS = 250;
    /** accept4 flags the kernel takes; any other bit is EINVAL before the socket is looked at. */
    static final int SOCK_NONBLOCK = Fcntl.O_NONBLOCK;
    static final int SOCK_CLOEXEC = Fcntl.O_CLOEXEC;
    /** Locks taken by socket (its inode): accepts on one socket take turns, across the run's threads. */
    private static final Object[] STRIPES = new Object[64];

    static {
        for (int i = 0; i < STRIPES.length; i++) {
            STRIPES[i] = new Object();
        }
    }

    private final NetEmulation net;
    private final PathCalls calls;
    private final ProgramMemory memory;
    private final Poll poll = new Poll();

    InboundConnections(NetEmulation net, PathCalls calls, ProgramMemory memory) {
        this.net = net;
        this.calls = calls;
        this.memory = memory;
    }

    /**
     * The memory an emulated accept's points are decoded from: none of the program's, only the
     * peer seccheck accepted ({@code address}, null before there is one).
     */
    record Peer(byte[] address) implements TaskMemory {
        @Override
        public byte[] read(long addr, int len) throws MemoryFault {
            throw new MemoryFault(addr, "not part of the emulated accept");
        }

        @Override
        public String readString(long addr, int max) throws MemoryFault {
            throw new MemoryFault(addr, "not part of the emulated accept");
        }

        @Override
        public byte[] acceptedPeer() {
            return address;
        }
    }

    /** The memory of a call that has no peer (yet). */
    private static final Peer NO_PEER = new Peer(null);

    /** Serves a held accept or accept4 on {@code sock}, seccheck's copy of the program's socket (-errno when none). */
    void serve(Call call, int sock) {
        SeccompNotification n = call.notification();
        boolean four = n.nr() == Sysno.ACCEPT4;
        int flags = four ? (int) n.arg3() : 0;
        SyscallEvent ev = new SyscallEvent(call.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), four ? n.arg3() : 0, 0, 0,
                false, 0);
        // Registered once the call is its thread's attempt, before a kept connection is answered
        // with; not by a notification that is gone already or that a waiting attempt takes over
        // (whose own stays registered), which would hide the attempt's from the task's stop.
        Taking taking = new Taking(call, sock);
        try {
            if (call.begin(ev, NO_PEER, () -> SignalledCalls.entered(call.tid(), taking))) {
                serve(call, sock, ev, flags, taking);
            }
        } finally {
            // Still owed a connection (kept for the repeat, the answer cut off), the task's signal
            // stop may come after this: it must find the call, to make the task repeat it.
            synchronized (taking.turn) {
                taking.ended = true;
            }
            if (!call.owes(false)) {
                SignalledCalls.left(call.tid(), taking);
            }
        }
    }

    private void serve(Call call, int sock, SyscallEvent ev, int flags, Taking taking) {
        // The kernel checks the flags before it looks the descriptor up.
        int early = (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0 ? Errno.EINVAL : sock < 0 ? -sock : 0;
        if (early != 0) {
            failBeforeAPeer(call, ev, early);
            return;
        }
        if (DescriptorRoom.full(calls, call.tid())) {
            // The kernel reserves the descriptor before it takes a connection: out of them, the
            // program takes none, and the connection waits for its next accept.
            failBeforeAPeer(call, ev, Errno.EMFILE);
            return;
        }
        if (SocketCalls.socketOption(sock, SocketCalls.SO_DOMAIN) == NetEmulation.AF_ALG) {
            algorithm(call, ev);
            return;
        }
        accept(call, sock, ev, flags, taking);
    }

    /**
     * An accept on an AF_ALG socket, the kernel's crypto API: it makes an operation socket, with no
     * peer to decide on (asked for its address, the kernel fails the call with ECONNABORTED). Its
     * points fire without an address and the kernel makes it as made, looking the descriptor up
     * again: so only for a task whose descriptor table no other task shares. Another thread could
     * otherwise put a listening TCP socket under the number between seccheck's look and the
     * kernel's, and take a connection no rule decided on (red-team round 22); such an accept is
     * refused with EPERM and a line. Untested on these machines: their kernels have no AF_ALG.
     */
    private void algorithm(Call call, SyscallEvent ev) {
        if (!net.sharesItsTable(call)) {
            call.enterThenAllowAsMade(ev, NO_PEER);
            return;
        }
        if (call.enter(ev, NO_PEER) != 0) {
            return;
        }
        net.refused(call, "an accept on an AF_ALG socket from a task whose descriptor table another task shares:"
                + " the kernel would look the descriptor up again, and another task could put a listening socket"
                + " under its number", Errno.EPERM);
        call.fail(ev, NO_PEER, Errno.EPERM);
    }

    /**
     * An accept in flight, as a signal to its task finds it ({@link SignalledCalls}): once it took
     * a connection the task repeats the call whatever its handler's flags, and the repeat gets the
     * connection (installed then, or its number if it was installed already: {@link Restarts});
     * before, the connection was closed with the answer no one took, and the program's next
     * accept waited for another. So does a repeat answered with a connection kept for it, and a
     * stop that comes only after the call ended with the connection kept: the call stays
     * registered while its task is owed it ({@link Call#owes}), and answers nothing else. Not yet
     * taken, none will be for this notification (the accept checks that its task still waits,
     * under the same lock), and the call returns ERESTARTSYS, or EINTR on a listener that had
     * SO_RCVTIMEO when the call began ({@code sock_intr_errno}), as the kernel's own.
     */
    private final class Taking implements SignalledCalls.Interruptible {
        private final Call call;
        private final int sock;
        /** The lock the accepts of this socket take turns with. */
        final Object turn;
        /** Whether a connection was taken for the call; guarded by {@link #turn}. */
        boolean taken;
        /** Set once the call was served (its copy of the socket closed after); guarded by {@link #turn}. */
        boolean ended;
        /**
         * The listener's SO_RCVTIMEO in ns when the call, or the repeat that took it over, began;
         * 0 for none. Guarded by {@link #turn}.
         */
        private long timeout;
        /** When it began ({@link System#nanoTime}); guarded by {@link #turn}. */
        private long began;

        Taking(Call call, int sock) {
            this.call = call;
            this.sock = sock;
            this.turn = STRIPES[stripe(sock)];
            begin();
        }

        /**
         * Reads the timeout, as the kernel's accept does once as it begins: holding {@link #turn},
         * or before any other thread sees this.
         */
        void begin() {
            timeout = sock < 0 ? 0 : SocketCalls.timeoutNanos(sock, SocketCalls.SO_RCVTIMEO);
            began = System.nanoTime();
        }

        /**
         * A repeat took the wait over. Without a timeout, the signal that ended the call natively
         * restarted it (SA_RESTART, or a stop), and the restarted accept reads the timeout anew. With
         * one, a signal to a handler ended it with EINTR ({@link #atSignal}), so the repeat follows
         * a stop, after which the kernel's accept fails with EINTR (signal(7)): the wait keeps its
         * deadline rather than starting over.
         */
        void repeated() {
            if (timeout == 0) {
                begin();
            }
        }

        /**
         * Nanoseconds left before the timeout runs out (holding {@link #turn}): {@link Long#MAX_VALUE}
         * with none, at most 0 once out.
         */
        long left() {
            return timeout == 0 || timeout == Long.MAX_VALUE ? Long.MAX_VALUE : timeout - (System.nanoTime() - began);
        }

        @Override
        public int nr() {
            return call.notification().nr();
        }

        @Override
        public long atSignal() {
            synchronized (turn) {
                if (call.owes(taken)) {
                    return SignalledCalls.ERESTARTNOINTR;
                }
                if (ended) {
                    return 0;
                }
                if (timeout != 0 && call.giveUp()) {
                    return -Errno.EINTR;
                }
                return 0;
            }
        }
    }

    private void accept(Call call, int sock, SyscallEvent ev, int flags, Taking taking) {
        SeccompNotification n = call.notification();
        SocketCalls.Accepted accepted = waitAndAccept(call, sock, (flags & SOCK_NONBLOCK) | SOCK_CLOEXEC, taking);
        if (accepted == null) {
            return; // the task no longer waits: nothing fired, nothing to answer
        }
        if (accepted.fd() < 0) {
            failBeforeAPeer(call, ev, (int) -accepted.fd());
            return;
        }
        int conn = (int) accepted.fd();
        Peer peer = new Peer(accepted.peer());
        if (call.enter(ev, peer) != 0) {
            PathCalls.close(conn); // denied, and answered: the peer sees its connection end
            return;
        }
        int fault = writeAddress(call.tid(), n.arg1(), n.arg2(), accepted.peer());
        if (fault != 0) {
            // As natively: the connection was taken from the queue, and is lost with the fault.
            PathCalls.close(conn);
            call.fail(ev, peer, fault);
            return;
        }
        call.install(ev, peer, conn, (flags & SOCK_CLOEXEC) != 0);
    }

    /** Fires the enter points of a call that failed before any connection (without an address), then fails it. */
    private static void failBeforeAPeer(Call call, SyscallEvent ev, int errno) {
        call.refuse(ev, NO_PEER, errno);
    }

    /**
     * Accepts a connection on {@code sock} with {@code flags}, waiting for one as the kernel would
     * when the socket is blocking, until its receive timeout runs out: the new socket, or -errno
     * (EAGAIN at the timeout); null when the task stopped waiting.
     */
    private SocketCalls.Accepted waitAndAccept(Call call, int sock, int flags, Taking taking) {
        long status = SocketCalls.statusFlags(sock);
        // A non-blocking one is answered at once (a connection, or EAGAIN).
        boolean blocking = status < 0 || (status & Fcntl.O_NONBLOCK) == 0;
        Object turn = taking.turn;
        long awaited = call.awaited();
        while (true) {
            long slice;
            synchronized (turn) {
                // Checked under the lock a signal's stop takes (Taking): a task interrupted before
                // this takes no connection; after it, the connection is its repeat's.
                if (!call.stillAwaited()) {
                    return null;
                }
                if (call.awaited() != awaited) {
                    awaited = call.awaited();
                    taking.repeated();
                }
                // A socket that does not listen fails at once (EINVAL, EOPNOTSUPP, ENOTSOCK), as natively.
                if (!blocking || ready(sock, 0) || SocketCalls.socketOption(sock, SocketCalls.SO_ACCEPTCONN) != 1) {
                    SocketCalls.Accepted accepted = accept(call, sock, flags);
                    taking.taken = accepted.fd() >= 0;
                    return accepted;
                }
                // As the kernel's wait: the queue is looked at first, then the timeout.
                long left = taking.left();
                if (left <= 0) {
                    return new SocketCalls.Accepted(-Errno.EAGAIN, null);
                }
                slice = left >= WAIT_SLICE_MS * 1_000_000L ? WAIT_SLICE_MS : (left + 999_999) / 1_000_000;
            }
            ready(sock, (int) slice);
            if (Thread.currentThread().isInterrupted()) {
                return null; // the run is ending
            }
        }
    }

    private SocketCalls.Accepted accept(Call call, int sock, int flags) {
        SocketCalls.Accepted[] out = new SocketCalls.Accepted[1];
        // As the program: the new socket's file and inode are the acceptor's (its owner, which
        // netfilter's owner match and fstat see), as natively.
        long r = net.asProgram(call, call.notification().nr(), () -> {
            out[0] = SocketCalls.accept(sock, flags);
            return out[0].fd();
        });
        return out[0] != null ? out[0] : new SocketCalls.Accepted(r, null);
    }

    /** Whether a connection waits on {@code sock} (or the socket has something else to say), within {@code ms}. */
    private boolean ready(int sock, int ms) {
        try {
            return poll.poll(sock, Poll.POLLIN, ms) != 0;
        } catch (LinuxException e) {
            return true; // the accept answers with the socket's error
        }
    }

    private int stripe(int sock) {
        PathCalls.Stat st = calls.fstat(sock);
        return st == null ? 0 : (int) Math.floorMod(st.ino(), (long) STRIPES.length);
    }

    /**
     * Writes the peer's address {@code peer} at {@code addr} and its length at {@code lenPtr} as
     * the kernel's accept does: nothing without {@code addr}; the length the program gave read
     * first (EFAULT unreadable, EINVAL negative), the address's full length written in its place,
     * then at most the given length of the address. Returns 0, or the errno the call fails with.
     */
    private int writeAddress(int tid, long addr, long lenPtr, byte[] peer) {
        if (addr == 0) {
            return 0;
        }
        try {
            int given = ByteBuffer.wrap(memory.bytes(tid, lenPtr, Integer.BYTES)).order(ByteOrder.nativeOrder()).getInt();
            int len = Math.min(given, peer.length);
            if (len < 0) {
                return Errno.EINVAL;
            }
            memory.write(tid, lenPtr,
                    ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(peer.length).array());
            if (len > 0) {
                memory.write(tid, addr, java.util.Arrays.copyOf(peer, len));
            }
            return 0;
        } catch (ProgramMemory.Fault f) {
            return f.errno;
        }
    }
}
