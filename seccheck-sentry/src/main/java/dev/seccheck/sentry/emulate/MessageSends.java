package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.SentBytes;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.UserRanges;
import dev.seccheck.sink.ReachedPeer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * MessageSends emulates sendmsg and sendmmsg. Each message with an address ({@code msg_name})
 * fires connect's enter points with seccheck's copy of the address and, when allowed, is sent as
 * one send of its gathered data to that copy, which the kernel treats the same for datagram and
 * stream sockets (MSG_FASTOPEN included); a copy naming the unspecified address is sent to the
 * local address decided for it, from its own ancillary data ({@link NetEmulation#aimed}). A message without an address is sent the same way, with
 * none (the socket's peer was checked at connect), so a second thread cannot add one after the
 * read, nor make the kernel read another socket under the same number. Its ancillary data goes
 * with it ({@link PassedFds}: descriptors passed on as the same open files; credentials and source
 * routes refused with EPERM); a message to loopback, by its address or the socket's peer, whose
 * socket or packet-info record names another device is refused ({@link DeviceSteering}). Nothing but a netlink request ({@link NetEmulation#letRunAsMade}) is
 * sent as the program made it: the kernel would read the message and the descriptor again, which
 * a second thread can change in between.
 * sendmmsg writes each sent message's {@code msg_len} back and returns how many were sent. Flags
 * that the kernel refuses for the call as a whole ({@link #refusesFlags}) fail it before anything
 * is read, even though the send seccheck makes would take them.
 */
final class MessageSends {

    private static final int MSGHDR_SIZE = 56;
    private static final int MMSGHDR_SIZE = 64;
    private static final int SOCKADDR_MAX = 128;
    private static final int SEND_MAX = 1 << 20;
    private static final int UIO_MAXIOV = 1024;
    private static final int MSG_EOR = 0x80;
    private static final int MSG_PROBE = 0x10;
    private static final int SOCK_STREAM = 1;
    /**
     * The flag a 32-bit caller's compat syscall sets to have its ancillary data read in the
     * 32-bit layout (linux/socket.h); a 64-bit caller may not set it.
     */
    static final int MSG_CMSG_COMPAT = 0x80000000;

    private final ProgramMemory memory;
    private final NetEmulation net;
    private final ProcessMemory writer = new ProcessMemory();
    /** The room in seccheck's descriptor table for the program's descriptors its sends pass on. */
    /** The run's, shared by every thread's MessageSends. */
    private final PassedFdBudget passedBudget;

    MessageSends(ProgramMemory memory, NetEmulation net, PassedFdBudget passedBudget) {
        this.memory = memory;
        this.net = net;
        this.passedBudget = passedBudget;
    }

    /**
     * One message as seccheck read it: no name when null; its ancillary data is empty when it has
     * none; {@code flags}, its own msg_flags, of which sendmmsg honours MSG_EOR.
     */
    private record Msg(long namePtr, byte[] name, SendData data, byte[] control, int flags) {}

    /**
     * Serves a sendmsg or sendmmsg on the program's socket {@code sock} (our copy, taken once for
     * the call; -errno when the fd is none) of family {@code domain} (SO_DOMAIN); on a netlink
     * socket each message's address is decided and then the kernel sends them all as the program
     * made them ({@link NetEmulation#decideAsMade}), unless a sink decides at connect and another
     * task shares the caller's descriptor table ({@link NetEmulation#letRunAsMade}): then they are
     * sent as any other, requests that name nothing in the sender's context only
     * ({@link NetEmulation#netlinkRefusal}).
     */
    void serve(Call call, int sock, long domain) {
        boolean netlink = domain == SockAddr.AF_NETLINK;
        // A netlink request is made by the kernel as made, unless another task could swap the socket meanwhile.
        boolean asMade = netlink && net.letRunAsMade(call);
        long protocol = netlink && !asMade ? NetEmulation.netlinkProtocol(sock) : -1;
        var n = call.notification();
        int fd = (int) n.arg0();
        boolean many = n.nr() == Sysno.SENDMMSG;
        int flags = (int) (many ? n.arg3() : n.arg2());
        int count = many ? (int) Math.min(n.arg2() & 0xffffffffL, UIO_MAXIOV) : 1;
        long base = n.arg1();
        long sent = 0;
        if (asMade) {
            call.madeByTheKernel(); // the messages are decided, then sent by the kernel as made
        }
        if (call.enterMade() != 0) {
            return;
        }
        if (refusesFlags(flags)) {
            // Refused whole, before the descriptor or any message: sent as sendto (or sendmsg
            // with its records) on seccheck's side, whose flags nobody checks for it, such a
            // message went out and the call returned its count.
            if (asMade) {
                call.allowAsMade(); // the kernel refuses it before it reads anything
            } else {
                finish(call, 0, -Errno.EINVAL, many);
            }
            return;
        }
        // The descriptor next: a bad one or no socket fails the call before any message is read.
        long fdError = sock < 0 ? sock : domain < 0 ? domain : 0;
        if (fdError != 0) {
            finish(call, 0, fdError, many);
            return;
        }
        for (int i = 0; i < count; i++) {
            long hdr = many ? base + (long) i * MMSGHDR_SIZE : base;
            Msg m;
            try {
                m = read(call.tid(), hdr, sock, flags);
            } catch (ProgramMemory.Fault f) {
                finish(call, sent, -f.errno, many);
                return;
            }
            SyscallEvent ev = new SyscallEvent(call.tid(), Sysno.CONNECT, fd, m.namePtr(), m.name() == null ? 0 : m.name().length,
                    0, 0, 0, false, 0);
            Snapshot seen = new Snapshot(m.namePtr(), m.name() == null ? new byte[0] : m.name());
            if (netlink) {
                if (m.name() != null && !NetEmulation.isNetlinkAddress(m.name())) {
                    finish(call, sent, -Errno.EINVAL, many);
                    return;
                }
                if (asMade) {
                    int verdict = m.name() == null ? 0 : call.check(ev, seen);
                    if (verdict != 0) {
                        call.checked(ev, seen, -verdict);
                        finish(call, sent, -verdict, many);
                        return;
                    }
                    continue;
                }
            }
            // A name that reaches no peer, that the socket's protocol refuses for its family or
            // length (RefusedAddresses), or that the socket does not use, is sent as given, undecided.
            byte[] read = m.name() == null || sock < 0 ? m.name() : ProtocolAddress.read(sock, domain, m.name(), true);
            boolean refused = RefusedAddresses.refused(sock, domain, m.name(), true);
            boolean decided = m.name() != null && !refused && !NetEmulation.reachesNoPeer(read)
                    && !net.ignoresName(sock, domain, flags);
            int sendFlags = many ? flags | (m.flags() & MSG_EOR) : flags;
            long r;
            // A unix path is walked first, so the points are shown the socket it reaches (NetEmulation#unixPeer).
            try (NetEmulation.UnixPeer peer = decided ? net.unixPeer(call, sock, domain, m.name(), Sysno.SENDTO) : null) {
                if (peer != null) {
                    seen = peer.shown(m.namePtr());
                    ev = new SyscallEvent(call.tid(), Sysno.CONNECT, fd, m.namePtr(), seen.bytes().length, 0, 0, 0,
                            false, 0);
                }
                call.reached(peer == null ? null : peer.file());
                ReachedPeer reached = decided && peer == null
                        ? net.reachedPeer(sock, domain, m.name(), read, m.control()) : null;
                if (decided) {
                    call.reachedPeer(reached);
                    int verdict = call.check(ev, seen);
                    if (verdict != 0) {
                        call.checked(ev, seen, -verdict);
                        finish(call, sent, -verdict, many);
                        return;
                    }
                }
                if (netlink && net.netlinkRefusal(call, protocol, ((SendData.Read) m.data()).bytes().readable()) != null) {
                    if (decided) {
                        call.checked(ev, seen, -Errno.EPERM);
                    }
                    finish(call, sent, -Errno.EPERM, many);
                    return;
                }
                try (PassedFds passed = PassedFds.take(m.control(), programFd -> net.socketOf(call, programFd),
                        (record, data) -> net.routeRecord(call, sock, domain, record, data),
                        domain == SockAddr.AF_UNIX, passedBudget)) {
                    // Named before the peer is looked up, as the kernel names it (KernelChosenNames).
                    int unnamed = KernelChosenNames.beforeCall(call, fd, sock, domain, Sysno.SENDTO, m.name(), sendFlags);
                    byte[] to = refused ? RefusedAddresses.made(domain, m.name()) : NetEmulation.aimed(m.name(), read, reached);
                    // Where the message goes: the address decided, else the socket's peer (DeviceSteering).
                    boolean ip = domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6;
                    byte[] destination = !ip ? null : !decided ? SocketCalls.getpeername(sock)
                            : UnspecifiedAddress.isUnspecified(read) ? to : read;
                    NetEmulation.UnixPeer via = peer;
                    byte[] control = passed.control();
                    r = unnamed != 0 ? -unnamed : net.steering.toDestination(call, sock, domain, destination, m.control(),
                            () -> net.sendTo(call, sock, m.data(), sendFlags, to, via, control));
                } catch (PassedFds.Refused e) {
                    if (e.attempt != null) {
                        net.refused(call, e.attempt, e.errno);
                    }
                    r = -e.errno;
                }
            }
            if (decided) {
                call.checked(ev, seen, r); // connect's exit, with what this message's send returned
                call.reachedPeer(null);
                call.furtherMessage(); // the next message's points report the same call
            }
            if (r < 0) {
                finish(call, sent, r, many);
                return;
            }
            if (many) {
                try {
                    byte[] len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) r).array();
                    writer.write(call.tid(), hdr + MSGHDR_SIZE, len);
                } catch (LinuxException e) {
                    finish(call, sent, -Errno.EFAULT, many);
                    return;
                }
            }
            sent = many ? sent + 1 : r;
            if (many && (r < m.data().length() || probed(sendFlags, sock, domain) && m.data().length() > 0)) {
                break; // as the kernel's sendmmsg: a message whose data is not all taken ends it
            }
        }
        if (asMade) {
            call.allowAsMade();
            return;
        }
        net.raiseBrokenPipe(call, sent);
        call.complete(SyscallEvent.held(n), Snapshot.NOTHING, sent);
    }

    /**
     * Whether sendmsg or sendmmsg with {@code flags} fails with EINVAL before anything else:
     * __sys_sendmsg and __sys_sendmmsg refuse MSG_CMSG_COMPAT from a 64-bit caller first of all,
     * before the descriptor is looked up, the message read or a count capped (sendto checks no
     * such thing: it sends). The register's upper half is not part of the flags (an unsigned int).
     */
    static boolean refusesFlags(int flags) {
        return (flags & MSG_CMSG_COMPAT) != 0;
    }

    /**
     * Whether a send with {@code flags} on {@code sock} takes none of its data while it returns its
     * length: MSG_PROBE on an IPv4 or IPv6 datagram or raw socket only probes the path.
     */
    private static boolean probed(int flags, int sock, long domain) {
        return (flags & MSG_PROBE) != 0 && (domain == SockAddr.AF_INET || domain == SockAddr.AF_INET6)
                && SocketCalls.socketOption(sock, SocketCalls.SO_TYPE) != SOCK_STREAM;
    }

    /** sendmmsg returns the messages sent before a failure, if any; otherwise the failure. */
    private void finish(Call call, long sent, long failure, boolean many) {
        long answer = many && sent > 0 ? sent : failure;
        net.raiseBrokenPipe(call, answer);
        call.complete(SyscallEvent.held(call.notification()), Snapshot.NOTHING, answer);
    }

    /**
     * Reads one message header and what it points to in the kernel's order (its __copy_msghdr,
     * import_iovec, then the ancillary data), failing as it would: the name's length (EINVAL when
     * negative; a longer one than {@code sockaddr_storage} is cut to it, a NULL name or a length of
     * 0 is none) and bytes, the count of pieces (EMSGSIZE past UIO_MAXIOV), every piece's length
     * (EINVAL when negative) and then range (EFAULT), the ancillary data's length (ENOBUFS) and
     * bytes. The data itself is copied only by the send ({@link SentBytes}), in chunks as it goes
     * on a stream socket, our copy {@code sock} of the program's, sent with {@code flags}
     * ({@link StreamChunks#data}).
     */
    private Msg read(int tid, long hdr, int sock, int flags) throws ProgramMemory.Fault {
        ByteBuffer h = ByteBuffer.wrap(memory.bytes(tid, hdr, MSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        long namePtr = h.getLong(0);
        int nameLen = namePtr == 0 ? 0 : h.getInt(8);
        long iov = h.getLong(16);
        long iovLen = h.getLong(24);
        long controlPtr = h.getLong(32);
        long controlLen = h.getLong(40);
        if (nameLen < 0) {
            throw new ProgramMemory.Fault(Errno.EINVAL);
        }
        byte[] name = nameLen == 0 ? null : memory.bytes(tid, namePtr, Math.min(nameLen, SOCKADDR_MAX));
        if (Long.compareUnsigned(iovLen, UIO_MAXIOV) > 0) {
            throw new ProgramMemory.Fault(Errno.EMSGSIZE);
        }
        SendData data = gather(tid, iov, (int) iovLen, sock, flags);
        byte[] control = NetEmulation.NO_CONTROL;
        if (controlLen != 0) {
            if (Long.compareUnsigned(controlLen, Integer.MAX_VALUE) > 0 || controlLen > PassedFds.MAX_CONTROL) {
                throw new ProgramMemory.Fault(Errno.ENOBUFS);
            }
            control = memory.bytes(tid, controlPtr, (int) controlLen);
        }
        return new Msg(namePtr, name, data, control, h.getInt(48));
    }

    /**
     * The data of {@code count} pieces (struct iovec) at {@code iov}, as one run of bytes: every
     * piece's length and range is checked first, as the kernel's import_iovec does, and the bytes
     * are then read up to {@link #SEND_MAX}, as far as the program's memory goes; on a stream
     * socket ({@code sock}) a send with {@code flags} longer than one chunk that may wait is left
     * where it is, to go in chunks ({@link StreamChunks#data}).
     */
    private SendData gather(int tid, long iov, int count, int sock, int flags) throws ProgramMemory.Fault {
        if (count == 0) {
            return new SendData.Read(SentBytes.of(new byte[0]));
        }
        // Entry by entry, as the kernel copies them: a negative length before an unreadable entry is EINVAL.
        byte[] entries = memory.sent(tid, iov, count * 16L, count * 16).readable();
        ByteBuffer v = ByteBuffer.wrap(entries).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            if ((i + 1) * 16 > entries.length) {
                throw new ProgramMemory.Fault(Errno.EFAULT);
            }
            if (v.getLong(i * 16 + 8) < 0) {
                throw new ProgramMemory.Fault(Errno.EINVAL);
            }
        }
        long total = 0;
        long[] lens = new long[count];
        for (int i = 0; i < count; i++) {
            // A lone piece is cut to MAX_RW_COUNT before its range is checked (the kernel's import_ubuf).
            long len = count == 1 ? UserRanges.rwCount(v.getLong(8)) : v.getLong(i * 16 + 8);
            if (!UserRanges.inUserRange(v.getLong(i * 16), len)) {
                throw new ProgramMemory.Fault(Errno.EFAULT);
            }
            lens[i] = Math.min(len, UserRanges.MAX_RW_COUNT - total);
            total += lens[i];
        }
        long[] addrs = new long[count];
        long left = SEND_MAX;
        for (int i = 0; i < count; i++) {
            addrs[i] = v.getLong(i * 16);
            lens[i] = Math.min(lens[i], left);
            left -= lens[i];
        }
        long given = total;
        return StreamChunks.data(tid, sock, flags, addrs, lens, Math.min(given, SEND_MAX),
                () -> readAll(tid, addrs, lens, given));
    }

    /**
     * The bytes of the pieces {@code addrs} and {@code lens} (cut to {@link #SEND_MAX} in all), as
     * far as the program's memory goes; where it ends first, as long as {@code total}, the
     * message's length, so that the kernel's copy fails there ({@link SentBytes}).
     */
    private SentBytes readAll(int tid, long[] addrs, long[] lens, long total) {
        if (addrs.length == 1) { // the bytes read are the message's: no second copy of up to SEND_MAX
            int want = (int) lens[0];
            SentBytes piece = memory.sent(tid, addrs[0], want, want);
            return piece.endsEarly() ? new SentBytes(piece.readable(), total) : piece;
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream((int) Math.min(total, SEND_MAX));
        for (int i = 0; i < addrs.length && data.size() < SEND_MAX; i++) {
            int want = (int) lens[i];
            SentBytes piece = memory.sent(tid, addrs[i], want, want);
            data.writeBytes(piece.readable());
            if (piece.endsEarly()) {
                return new SentBytes(data.toByteArray(), total);
            }
        }
        return SentBytes.of(data.toByteArray());
    }
}
