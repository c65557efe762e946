package dev.seccheck.sentry.emulate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * NetlinkRequests tells which netlink requests seccheck may send itself, on its copy of the
 * program's socket, when it cannot let the kernel make the call as the program made it (a second
 * task shares the caller's descriptor table, see {@link FileTables}). The kernel serves a request
 * in the sender's context: the descriptors it names (a network namespace's, a BPF program's) are
 * looked up in the sender's table and its pids in the sender's pid namespace. Sent by seccheck,
 * those would be seccheck's, among them descriptors of namespaces it holds. So only requests
 * that name neither are sent: routing's queries and dumps ({@code RTM_GET*}, which glibc's
 * {@code getaddrinfo}, {@code ip addr} and Go's interface listing make; not {@code RTM_GETNSID},
 * which takes a namespace's descriptor or pid), netlink's own control messages, and socket
 * diagnostics ({@code ss}). Anything else is refused.
 */
final class NetlinkRequests {
    private NetlinkRequests() {}

    /** Netlink protocols (linux/netlink.h). */
    static final int NETLINK_ROUTE = 0;
    static final int NETLINK_SOCK_DIAG = 4;
    /** The size of a message's header (struct nlmsghdr). */
    private static final int HEADER = 16;
    /** The first routing message type; the types below are netlink's own (NOOP, ERROR, DONE, OVERRUN). */
    private static final int RTM_BASE = 16;
    /** Routing's query for a namespace's id, by descriptor or pid. */
    private static final int RTM_GETNSID = 90;

    /**
     * Says why seccheck may not send {@code data} (one or more netlink messages) on a socket of
     * protocol {@code protocol} (SO_PROTOCOL) for the program, or null when it may. Messages are
     * walked as the kernel walks them: it stops at one whose length is shorter than its header or
     * runs past the data, and so does the check.
     */
    static String refusal(long protocol, byte[] data) {
        if (protocol == NETLINK_SOCK_DIAG) {
            return null;
        }
        if (protocol != NETLINK_ROUTE) {
            return "a request on netlink protocol " + protocol;
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + HEADER <= data.length; ) {
            long len = Integer.toUnsignedLong(b.getInt(at));
            int type = b.getShort(at + 4) & 0xffff;
            if (len < HEADER || len > data.length - at) {
                return null;
            }
            if (type >= RTM_BASE && ((type - RTM_BASE) % 4 != 2 || type == RTM_GETNSID)) {
                return "a routing request of type " + type + " (one that changes the system or names a namespace)";
            }
            at += (int) ((len + 3) & ~3L);
        }
        return null;
    }
}
