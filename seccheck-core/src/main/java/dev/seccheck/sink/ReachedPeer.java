package dev.seccheck.sink;

import java.util.Arrays;

/**
 * ReachedPeer is where the kernel sends a connect or a send reported at connect's points when that
 * differs from the address the program named: the unspecified address (0.0.0.0, ::) names the
 * local host, the socket's own address when it is bound, else loopback; or the address a bind
 * binds, where its protocol reads the one named otherwise (IPv4 takes AF_UNSPEC as AF_INET). gVisor's Connect message
 * carries the address as named and the wire must not change, so it is an in-process side value,
 * bound by the sentry on the thread that fires the call's points: a sink that decides on
 * addresses decides on both, so that a rule on a local server's address holds for every name
 * that reaches it.
 *
 * @param address the socket address reached (a sockaddr, as the Connect message's {@code address})
 */
public record ReachedPeer(byte[] address) {

    /** Bound by the sentry while the points of such a call fire; unbound everywhere else. */
    public static final ScopedValue<ReachedPeer> CURRENT = ScopedValue.newInstance();

    public ReachedPeer {
        address = address.clone();
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReachedPeer p && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address);
    }

    @Override
    public String toString() {
        return "ReachedPeer" + Arrays.toString(address);
    }

    /** Returns the peer the points being fired on this thread reach, or null when it is the one named. */
    public static ReachedPeer current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }
}
