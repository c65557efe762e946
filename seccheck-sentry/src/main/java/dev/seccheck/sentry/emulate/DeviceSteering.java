package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.SockAddr;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SocketOptionHold;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * DeviceSteering keeps what a program addresses to loopback on the loopback device. Linux lets
 * any program choose the device a socket sends on, without privilege: SO_BINDTODEVICE and
 * SO_BINDTOIFINDEX (on a socket not bound yet), IP_UNICAST_IF and IPV6_UNICAST_IF, or one
 * message's IP_PKTINFO or IPV6_PKTINFO record. A datagram or a TCP SYN to 127.0.0.1 steered so
 * leaves on that device, to whoever answers for the address on its link (the kernel finds no
 * route for it there and takes the destination as on the link), while a rule on reaching the
 * network decided it as reaching this host. So, while a sink decides there:
 *
 * <ul>
 *   <li>a connect or an addressed send to a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104),
 *       or any message sent on a socket connected to one, is refused with ENETUNREACH when the
 *       socket's bound device or unicast device (read from the socket when seccheck makes the
 *       call) or the message's packet-info record names a device other than loopback (index 1
 *       in every network namespace): Linux's own answer for ::1 from another device;
 *   <li>the device-choosing socket options are held ({@link #FILTER_FRAGMENT}): one naming a
 *       device other than loopback on a socket connected to a loopback address is refused with
 *       EPERM, and any other is set by seccheck, with its copy of the value, on the program's
 *       socket.
 * </ul>
 *
 * Both are made on the socket's {@link SocketSerial} turn: another thread's option cannot steer
 * the socket between seccheck's look at its device and the connect or send made on that look. A
 * send without an address is not held (sendto without one; sendmsg always is): on a socket
 * connected to loopback it goes where the connect decided, as neither the socket's device nor
 * its unicast device can change afterwards, and IPv4 takes the loopback source address connect
 * gave it, which the kernel never sends from another device (EINVAL). The unspecified address
 * is left as it is: the kernel delivers it to this host whatever the device.
 */
final class DeviceSteering {

    /** Socket levels and the options that choose a device (asm-generic/socket.h, linux/in.h, linux/in6.h). */
    static final int SOL_SOCKET = 1;
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    static final int SO_BINDTODEVICE = 25;
    static final int SO_BINDTOIFINDEX = 62;
    static final int IP_UNICAST_IF = 50;
    static final int IPV6_UNICAST_IF = 76;
    /** The message records naming a device: IPv4's struct in_pktinfo (index first), IPv6's in6_pktinfo (index after the address). */
    private static final int IP_PKTINFO = 8;
    private static final int IPV6_PKTINFO = 50;
    /** The loopback device's index, the same in every network namespace (LOOPBACK_IFINDEX). */
    static final int LOOPBACK = 1;
    /** The most bytes of a device name the kernel reads (IFNAMSIZ - 1). */
    private static final int NAME_MAX = 15;

    /** The filter's part holding the setsockopt calls that choose a device for seccheck; every other call falls through. */
    public static final Fragment FILTER_FRAGMENT = SocketOptionHold.of(List.of(
            new SocketOptionHold.Option(SOL_SOCKET, SO_BINDTODEVICE),
            new SocketOptionHold.Option(SOL_SOCKET, SO_BINDTOIFINDEX),
            new SocketOptionHold.Option(SOL_IP, IP_UNICAST_IF),
            new SocketOptionHold.Option(SOL_IPV6, IPV6_UNICAST_IF)));

    /** Whether the filter holds setsockopt at {@code level} for {@code name} (as the fragment compares them). */
    static boolean holds(long level, long name) {
        int l = (int) level;
        int o = (int) name;
        return l == SOL_SOCKET && (o == SO_BINDTODEVICE || o == SO_BINDTOIFINDEX) || l == SOL_IP && o == IP_UNICAST_IF
                || l == SOL_IPV6 && o == IPV6_UNICAST_IF;
    }

    private final NetEmulation net;
    private final PathCalls calls;
    private final SocketSerial serial = new SocketSerial();

    DeviceSteering(NetEmulation net, PathCalls calls) {
        this.net = net;
        this.calls = calls;
    }

    /** Whether socket address {@code addr} is a loopback one: 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104. */
    static boolean loopback(byte[] addr) {
        if (addr == null || addr.length < 2) {
            return false;
        }
        int family = addr[0] & 0xff | (addr[1] & 0xff) << 8;
        if (family == SockAddr.AF_INET) {
            return addr.length >= 8 && (addr[4] & 0xff) == 127;
        }
        if (family != SockAddr.AF_INET6 || addr.length < 24) {
            return false;
        }
        byte[] ip = Arrays.copyOfRange(addr, 8, 24);
        boolean zeros10 = Arrays.equals(ip, 0, 10, new byte[10], 0, 10);
        boolean one = zeros10 && ip[10] == 0 && ip[11] == 0 && Arrays.equals(ip, 12, 16, new byte[] {0, 0, 0, 1}, 0, 4);
        boolean mapped = zeros10 && ip[10] == (byte) 0xff && ip[11] == (byte) 0xff && (ip[12] & 0xff) == 127;
        return one || mapped;
    }

    /**
     * Makes {@code made}, a connect or send on our copy {@code sock} of the program's socket of
     * family {@code domain} to {@code destination} (the address its protocol reads; the socket's
     * peer for a message without one; null when neither is known), with ancillary data
     * {@code control}: its answer, or -ENETUNREACH (with a line on the run's log) when the
     * destination is a loopback address and the socket or a record names another device.
     */
    long toDestination(Call call, int sock, long domain, byte[] destination, byte[] control, LongSupplier made) {
        if (sock < 0 || (domain != SockAddr.AF_INET && domain != SockAddr.AF_INET6) || !loopback(destination)) {
            return made.getAsLong();
        }
        return serially(sock, () -> {
            int device = steeredTo(sock, domain, control);
            if (device == 0) {
                return made.getAsLong();
            }
            net.refused(call, "a loopback address would be reached through device " + device
                    + ", not the loopback device: the packets would leave on that device's link", Errno.ENETUNREACH);
            return -Errno.ENETUNREACH;
        });
    }

    /** Runs {@code op} on socket {@code sock}'s turn ({@link SocketSerial}); unserialised when it cannot be named. */
    private long serially(int sock, LongSupplier op) {
        PathCalls.Stat st = calls.fstat(sock);
        return st == null ? op.getAsLong() : serial.run(st.ino(), op);
    }

    /**
     * The device other than loopback that a send on {@code sock} (family {@code domain}) with
     * ancillary data {@code control} would leave by: the socket's bound device, its IPv4 or IPv6
     * unicast device, or a packet-info record's; 0 when none names one.
     */
    static int steeredTo(int sock, long domain, byte[] control) {
        int bound = (int) SocketCalls.socketOption(sock, SO_BINDTOIFINDEX);
        if (other(bound)) {
            return bound;
        }
        // Both unicast options are kept in network byte order, and read back so: device 128 is
        // 0x80000000, which an unsigned read keeps apart from -errno (red-team round 19: read as
        // a negative int, taken for "none", and 100 of 100 datagrams to 127.0.0.1 left on it).
        long unicast = SocketCalls.option(sock, SOL_IP, IP_UNICAST_IF);
        if (unicast > 0 && other(Integer.reverseBytes((int) unicast))) {
            return Integer.reverseBytes((int) unicast);
        }
        long unicast6 = domain == SockAddr.AF_INET6 ? SocketCalls.option(sock, SOL_IPV6, IPV6_UNICAST_IF) : 0;
        if (unicast6 > 0 && other(Integer.reverseBytes((int) unicast6))) {
            return Integer.reverseBytes((int) unicast6);
        }
        ByteBuffer in = ByteBuffer.wrap(control).order(ByteOrder.LITTLE_ENDIAN);
        for (AncillaryData.Record r : AncillaryData.leadingRecords(control)) {
            int at = r.level() == SOL_IP && r.type() == IP_PKTINFO && r.valueLength() >= 4 ? r.valueAt()
                    : r.level() == SOL_IPV6 && r.type() == IPV6_PKTINFO && r.valueLength() >= 20 ? r.valueAt() + 16 : -1;
            if (at >= 0 && other(in.getInt(at))) {
                return in.getInt(at);
            }
        }
        return 0;
    }

    /** Whether device index {@code index} names a device, and not loopback. */
    private static boolean other(int index) {
        return index != 0 && index != LOOPBACK && index > 0;
    }

    /**
     * Serves a held setsockopt choosing a device ({@link #holds}) on our copy {@code sock} of the
     * program's socket (-errno when none): reads the bytes the kernel reads of the value once,
     * fires setsockopt's enter points with them, refuses one naming a device other than loopback
     * on a socket connected to a loopback address with EPERM and a line, and sets any other on
     * the socket with that copy, on the socket's turn. A value seccheck cannot read is set from
     * no memory with the program's length: the kernel answers as it would the program (EFAULT
     * where it reads the value), and nothing is set.
     */
    void setOption(Call call, int sock) {
        SeccompNotification n = call.notification();
        int level = (int) n.arg1();
        int name = (int) n.arg2();
        int optlen = (int) n.arg4();
        SyscallEvent ev = NetEmulation.setsockoptEvent(call);
        long domain = NetEmulation.domainOrFail(call, ev, sock); // EBADF, ENOTSOCK: before the value
        if (domain < 0) {
            return;
        }
        // The kernel reads a name's first 15 bytes, an option's int (or IPv4's first byte of a shorter one).
        int cap = name == SO_BINDTODEVICE && level == SOL_SOCKET ? NAME_MAX : Integer.BYTES;
        int read = Math.max(0, Math.min(optlen, cap));
        Snapshot seen = net.optionValue(call, ev, sock, read);
        if (seen == null || call.enter(ev, seen) != 0) {
            return;
        }
        byte[] value = seen.bytes();
        if (optlen < 0) {
            // Read nothing: the kernel refuses the length (EINVAL) wherever it looks at it.
            call.complete(ev, seen, net.asProgram(call, Sysno.SETSOCKOPT,
                    () -> SocketCalls.setsockoptWithoutValue(sock, level, name, optlen)));
            return;
        }
        // One byte more than the kernel reads, when the program gave more: a length the kernel
        // checks for equality (IPV6_UNICAST_IF's int) is refused alike; the byte is never read.
        byte[] passed = Arrays.copyOf(value, Math.min(optlen, cap + 1));
        call.complete(ev, seen, serially(sock, () -> {
            int device = named(sock, level, name, value);
            if (other(device) && loopback(SocketCalls.getpeername(sock))) {
                net.refused(call, "the socket is connected to a loopback address, which device " + device
                        + " would reach on its link instead", Errno.EPERM);
                return -Errno.EPERM;
            }
            // Rebinding a bound socket takes CAP_NET_RAW over its network namespace: the program's.
            return net.asProgram(call, Sysno.SETSOCKOPT, sock, SocketCapabilities.CAP_NET_RAW,
                    () -> SocketCalls.setsockopt(sock, level, name, passed));
        }));
    }

    /**
     * The device index option {@code name} at {@code level} set to {@code value} (the bytes the
     * kernel reads) names on {@code sock}: a name looked up in the socket's network namespace, an
     * index, or a unicast index in network byte order; 0 for none, or for a value the kernel
     * refuses (no such device: it fails the call itself).
     */
    private static int named(int sock, int level, int name, byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
            int end = 0;
            while (end < value.length && value[end] != 0) {
                end++;
            }
            if (end == 0) {
                return 0; // unbinds
            }
            long index = SocketCalls.interfaceIndex(sock, Arrays.copyOf(value, end));
            return index > 0 ? (int) index : 0;
        }
        if (value.length >= Integer.BYTES) {
            int v = in.getInt(0);
            return level == SOL_SOCKET ? v : Integer.reverseBytes(v);
        }
        // IPv4 reads a shorter value's first byte, as the int it converts from network order.
        return level == SOL_IP && value.length >= 1 ? Integer.reverseBytes(value[0] & 0xff) : 0;
    }
}
