package dev.seccheck.sentry.emulate;

import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SocketOptionHold;
import java.util.List;

/**
 * SourceRoutes tells where a socket option or a message's ancillary data would make the kernel
 * send packets to another host than the address connect or sendto names: an IPv4 source route
 * (the LSRR and SSRR options) sends each packet to the route's first hop, with the named address
 * only its last, and an IPv6 routing header (segment routing's, type 4; Mobile IPv6's, type 2)
 * sends it to the header's next address. The kernel lets any program set either, without
 * privilege, as a socket option (IP_OPTIONS; IPV6_RTHDR, or within RFC 2292's
 * IPV6_2292PKTOPTIONS) that holds for every later connect and send, a plain send on a connected
 * socket too, or with one message (IP_RETOPTS, IPV6_RTHDR, IPV6_2292RTHDR). A rule on reaching
 * the network decides on the address named, so while a sink decides there these are refused:
 * the filter holds the three socket options for seccheck ({@link #FILTER_FRAGMENT}), which reads
 * the value once and sets it itself when it holds no route, and a message carrying one is
 * refused where seccheck sends it ({@link PassedFds}). Other IP options (record route, timestamps)
 * and other ancillary data go through as the program made them.
 */
public final class SourceRoutes {
    private SourceRoutes() {}

    /** Socket levels (netinet/in.h). */
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    /** IPv4's socket option holding the options of every packet sent, and its message form. */
    static final int IP_OPTIONS = 4;
    static final int IP_RETOPTS = 7;
    /** IPv6's routing header, as a socket option or message (RFC 3542), and RFC 2292's forms. */
    static final int IPV6_RTHDR = 57;
    static final int IPV6_2292RTHDR = 5;
    static final int IPV6_2292PKTOPTIONS = 6;
    /** The most option bytes the kernel takes from IP_OPTIONS or IP_RETOPTS. */
    static final int IP_OPTIONS_MAX = 40;
    /** The most bytes of packet options the kernel takes from IPV6_2292PKTOPTIONS. */
    static final int PKTOPTIONS_MAX = 64 << 10;

    /**
     * The filter's part holding the setsockopt calls that may set a route ({@link #holds}) for
     * seccheck; every other call falls through. Level and name are ints to the kernel.
     */
    public static final Fragment FILTER_FRAGMENT = SocketOptionHold.of(List.of(
            new SocketOptionHold.Option(SOL_IP, IP_OPTIONS), new SocketOptionHold.Option(SOL_IPV6, IPV6_RTHDR),
            new SocketOptionHold.Option(SOL_IPV6, IPV6_2292PKTOPTIONS)));

    /** Whether the filter holds setsockopt at {@code level} for {@code name} (as the fragment compares them). */
    static boolean holds(long level, long name) {
        int l = (int) level;
        int o = (int) name;
        return l == SOL_IP && o == IP_OPTIONS || l == SOL_IPV6 && (o == IPV6_RTHDR || o == IPV6_2292PKTOPTIONS);
    }

    /**
     * Whether the kernel refuses a value of {@code length} bytes for socket option {@code name}
     * at {@code level} (one {@link #holds}) with EINVAL before reading it: more than 40 bytes of
     * IPv4 options, an IPv6 header that is no multiple of 8 bytes from 8 to 2,040, more than
     * 64 KiB of packet options, or a negative length.
     */
    static boolean lengthRefused(int level, int name, int length) {
        if (length < 0) {
            return true;
        }
        if (level == SOL_IP) {
            return length > IP_OPTIONS_MAX;
        }
        if (name == IPV6_RTHDR) {
            return length != 0 && (length < 8 || (length & 7) != 0 || length > 8 * 255);
        }
        return length > PKTOPTIONS_MAX;
    }

    /**
     * Says what route setting socket option {@code name} at {@code level} to {@code value} would
     * set, or null when none.
     *
     * @throws AncillaryData.Malformed for IPV6_2292PKTOPTIONS records the kernel refuses
     */
    static String inOption(int level, int name, byte[] value) throws AncillaryData.Malformed {
        if (level == SOL_IP && name == IP_OPTIONS) {
            return IpOptions.of(value, 0, value.length).route();
        }
        if (level == SOL_IPV6 && name == IPV6_RTHDR) {
            return value.length > 0 ? "an IPv6 routing header (IPV6_RTHDR)" : null;
        }
        if (level == SOL_IPV6 && name == IPV6_2292PKTOPTIONS) {
            for (AncillaryData.Record r : AncillaryData.records(value)) {
                String route = inMessage(r, value);
                if (route != null) {
                    return route + " in IPV6_2292PKTOPTIONS";
                }
            }
        }
        return null;
    }

    /** Says what route ancillary record {@code r} of {@code data} carries, or null when none. */
    static String inMessage(AncillaryData.Record r, byte[] data) {
        if (r.level() == SOL_IP && r.type() == IP_RETOPTS) {
            return IpOptions.of(data, r.valueAt(), Math.min(r.valueLength(), IP_OPTIONS_MAX)).route();
        }
        if (r.level() == SOL_IPV6 && (r.type() == IPV6_RTHDR || r.type() == IPV6_2292RTHDR)) {
            return "an IPv6 routing header (" + (r.type() == IPV6_RTHDR ? "IPV6_RTHDR" : "IPV6_2292RTHDR") + ")";
        }
        return null;
    }
}
