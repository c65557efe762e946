package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * MessageSends emulates sendmsg and sendmmsg. Each message with an address ({@code msg_name})
 * fires connect's enter points with seccheck's copy of the address and, when allowed, is sent as
 * one send of its gathered data to that copy, which the kernel treats the same for datagram and
 * stream sockets (MSG_FASTOPEN included). A message without an address is sent the same way, with
 * none (the socket's peer was checked at connect), so a second thread cannot add one after the
 * read, nor make the kernel read another socket under the same number. Its ancillary data goes
 * with it ({@link PassedFds}: descriptors passed on as the same open files; credentials and source
 * routes refused with EPERM). Nothing but a netlink request ({@link NetEmulation#letRunAsMade}) is
 * sent as the program made it: the kernel would read the message and the descriptor again, which
 * a second thread can change in between.
 * sendmmsg writes each sent message's {@code msg_len} back and returns how many were sent.
 */
final class MessageSends {

    private static final int MSGHDR_SIZE = 56;
    private static final int MMSGHDR_SIZE = 64;
    private static final int IOV_MAX = 1024;
    private static final int SOCKADDR_MAX = 128;
    private static final int SEND_MAX = 1 << 20;
    private static final int UIO_MAXIOV = 1024;

    private final ProgramMemory memory;
    private final NetEmulation net;
    private final ProcessMemory writer = new ProcessMemory();

    MessageSends(ProgramMemory memory, NetEmulation net) {
        this.memory = memory;
        this.net = net;
    }

    /** One message as seccheck read it: its ancillary data is empty when it has none. */
    private record Msg(long namePtr, byte[] name, byte[] data, byte[] control) {}

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
        for (int i = 0; i < count; i++) {
            long hdr = many ? base + (long) i * MMSGHDR_SIZE : base;
            Msg m;
            try {
                m = read(call.tid(), hdr);
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
            if (m.name() != null && NetEmulation.tooShortForItsFamily(m.name())) {
                finish(call, sent, -Errno.EINVAL, many);
                return;
            }
            long r;
            // A unix path is walked first, so the points are shown the socket it reaches (NetEmulation#unixPeer).
            try (NetEmulation.UnixPeer peer = m.name() == null ? null
                    : net.unixPeer(call, sock, domain, m.name(), Sysno.SENDTO)) {
                if (peer != null) {
                    seen = peer.shown(m.namePtr());
                    ev = new SyscallEvent(call.tid(), Sysno.CONNECT, fd, m.namePtr(), seen.bytes().length, 0, 0, 0,
                            false, 0);
                }
                if (m.name() != null) {
                    call.reachedPeer(peer == null ? net.reachedPeer(sock, m.name()) : null);
                    int verdict = call.check(ev, seen);
                    if (verdict != 0) {
                        call.checked(ev, seen, -verdict);
                        finish(call, sent, -verdict, many);
                        return;
                    }
                }
                if (netlink && net.netlinkRefusal(call, protocol, m.data()) != null) {
                    if (m.name() != null) {
                        call.checked(ev, seen, -Errno.EPERM);
                    }
                    finish(call, sent, -Errno.EPERM, many);
                    return;
                }
                try (PassedFds passed = PassedFds.take(m.control(), programFd -> net.socketOf(call, programFd))) {
                    r = net.sendTo(call, sock, m.data(), flags, m.name() == null ? new byte[0] : m.name(), peer,
                            passed.control());
                } catch (PassedFds.Refused e) {
                    if (e.attempt != null) {
                        net.refused(call, e.attempt, e.errno);
                    }
                    r = -e.errno;
                }
            }
            if (m.name() != null) {
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
        }
        if (asMade) {
            call.allowAsMade();
            return;
        }
        call.complete(SyscallEvent.held(n), Snapshot.NOTHING, sent);
    }

    /** sendmmsg returns the messages sent before a failure, if any; otherwise the failure. */
    private static void finish(Call call, long sent, long failure, boolean many) {
        call.complete(SyscallEvent.held(call.notification()), Snapshot.NOTHING, many && sent > 0 ? sent : failure);
    }

    private Msg read(int tid, long hdr) throws ProgramMemory.Fault {
        ByteBuffer h = ByteBuffer.wrap(memory.bytes(tid, hdr, MSGHDR_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        long namePtr = h.getLong(0);
        int nameLen = h.getInt(8);
        long iov = h.getLong(16);
        long iovLen = h.getLong(24);
        long controlLen = h.getLong(40);
        if (iovLen < 0 || iovLen > IOV_MAX) {
            throw new ProgramMemory.Fault(Errno.EMSGSIZE);
        }
        byte[] name = null;
        if (namePtr != 0 && nameLen != 0) {
            if (nameLen < 0 || nameLen > SOCKADDR_MAX) {
                throw new ProgramMemory.Fault(Errno.EINVAL);
            }
            name = memory.bytes(tid, namePtr, nameLen);
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        if (iovLen > 0) {
            ByteBuffer v = ByteBuffer.wrap(memory.bytes(tid, iov, (int) iovLen * 16)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < iovLen && data.size() < SEND_MAX; i++) {
                long p = v.getLong(i * 16);
                long len = Math.min(v.getLong(i * 16 + 8), SEND_MAX - data.size());
                if (len > 0) {
                    data.writeBytes(memory.bytes(tid, p, (int) len));
                }
            }
        }
        byte[] control = NetEmulation.NO_CONTROL;
        if (controlLen > 0) {
            if (controlLen > PassedFds.MAX_CONTROL) {
                throw new ProgramMemory.Fault(Errno.ENOBUFS);
            }
            control = memory.bytes(tid, h.getLong(32), (int) controlLen);
        }
        return new Msg(namePtr, name, data.toByteArray(), control);
    }
}
