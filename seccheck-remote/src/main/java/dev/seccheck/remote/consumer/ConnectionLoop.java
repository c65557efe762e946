package dev.seccheck.remote.consumer;

import dev.seccheck.linux.Epoll;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerProcess;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.MalformedPacketException;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.remote.wire.TracedPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * ConnectionLoop is the one thread that accepts, handshakes and reads every connection of an
 * {@link EventServer}, waiting on all of them with epoll.
 *
 * <p>Why one thread instead of one per connection: a connection then costs a socket and two small
 * objects, not a thread stack plus a packet-sized buffer on the heap and in native memory (about
 * 2.2 MB each before), so memory is bounded by the connection limit and one 1 MiB buffer whatever
 * the peers do. Reading at most {@link #BATCH} packets from a connection before moving on keeps a
 * flooding peer from starving the others; a slow handler slows the loop, the sandboxes' sockets
 * fill and they see backpressure (their retry/drop policy), never the server's memory.
 *
 * <p>Connections are kept in a map in access order, so its eldest entry is the connection silent
 * longest: that is the one cut when the limit is reached, and expiry scans stop at the first
 * entry still within its timeout. Once a burst is over, {@link HeapTrim} gives back the heap it
 * grew.
 */
final class ConnectionLoop extends SourceLoop {
    /** Packets read from one connection before the loop serves the next ready one. */
    static final int BATCH = 64;
    private static final long LISTENER = 0;
    private static final int WAIT_MILLIS = (int) (TICK_NANOS / 1_000_000);
    private static final long ACCEPT_PAUSE_NANOS = 100_000_000L;

    /** One accepted socket; {@code connection} is set once the handshake succeeded. */
    private static final class Peer {
        final UnixSeqpacket socket;
        final int id;
        long lastActive;
        Connection connection;

        Peer(UnixSeqpacket socket, int id, long now) {
            this.socket = socket;
            this.id = id;
            this.lastActive = now;
        }
    }

    private final Path endpoint;
    private final UnixSeqpacket listener;
    private final Epoll epoll;
    private final ServerLimits limits;
    private final EventHandler handler;
    private final EventSource.Packets decoder;
    private final byte[] buf;
    private final LinkedHashMap<Long, Peer> peers = new LinkedHashMap<>(64, 0.75f, true);
    private final HeapTrim heapTrim = new HeapTrim();
    private int nextId = 1;
    private long acceptPausedUntil;
    private boolean listenerWatched;

    ConnectionLoop(Path endpoint, ServerLimits limits, EventHandler handler, EventSource.Packets decoder) throws LinuxException {
        super("seccheck-server-loop");
        this.endpoint = endpoint;
        this.limits = limits;
        this.handler = handler;
        this.decoder = decoder;
        this.buf = new byte[limits.maxPacket()];
        this.epoll = Epoll.create(256);
        UnixSeqpacket l = null;
        try {
            l = UnixSeqpacket.listen(endpoint, 128);
            l.nonBlocking(true);
            epoll.add(l.fd(), Epoll.EPOLLIN, LISTENER);
        } catch (LinuxException e) {
            if (l != null) {
                l.close();
            }
            epoll.close();
            throw e;
        }
        this.listener = l;
        this.listenerWatched = true;
    }

    @Override
    public String describe() {
        return endpoint.toString();
    }

    /** Shutting the listener down makes it readable, which wakes the loop at once. */
    @Override
    protected void wake() {
        listener.shutdown();
    }

    @Override
    protected void serveOnce() throws LinuxException {
        int n = epoll.await(WAIT_MILLIS);
        long now = System.nanoTime();
        for (int i = 0; i < n && !closing(); i++) {
            long token = epoll.token(i);
            if (token == LISTENER) {
                acceptAll(now);
            } else {
                Peer p = peers.get(token); // also marks it the most recently active
                if (p != null) {
                    p.lastActive = now;
                    serve(p);
                }
            }
        }
    }

    @Override
    protected void tick(long now) throws LinuxException {
        expire(now);
        resumeAccepting(now);
        handler.onTick();
        heapTrim.tick();
    }

    @Override
    protected void failed(Exception e) {
        System.err.println("seccheck server: event loop on " + endpoint + " failed: " + e.getMessage());
    }

    private void acceptAll(long now) throws LinuxException {
        while (!closing()) {
            UnixSeqpacket s;
            try {
                s = listener.accept();
            } catch (LinuxException e) {
                if (closing()) {
                    return;
                }
                // Out of descriptors or memory: accepting again at once would fail again, so the
                // listener is left out of the wait for a moment instead of spinning on it.
                epoll.remove(listener.fd());
                listenerWatched = false;
                acceptPausedUntil = now + ACCEPT_PAUSE_NANOS;
                return;
            }
            if (s == null) {
                return;
            }
            int id = nextId++;
            Optional<String> impostor = impostor(s);
            if (impostor.isPresent()) {
                s.close();
                handler.onRefused(id, impostor.get());
                continue;
            }
            if (peers.size() >= limits.maxConnections()) {
                Iterator<Peer> eldest = peers.values().iterator();
                Peer victim = eldest.next();
                eldest.remove();
                cut(victim, "connection limit " + limits.maxConnections() + " reached; silent for "
                        + (now - victim.lastActive) / 1_000_000 + " ms, the longest");
            }
            try {
                s.nonBlocking(true);
                epoll.add(s.fd(), Epoll.EPOLLIN | Epoll.EPOLLRDHUP, id);
            } catch (LinuxException e) {
                s.close();
                handler.onRefused(id, e.getMessage());
                continue;
            }
            peers.put((long) id, new Peer(s, id, now));
            heapTrim.connectionChanged();
        }
    }

    /**
     * Why an accepted client is refused before it is read: it is a supervised program
     * ({@link TracedPeers}), which could otherwise forge a sandbox's points. Checked before the
     * connection limit, so an impostor never pushes a real sandbox out.
     */
    private static Optional<String> impostor(UnixSeqpacket s) {
        try (PeerProcess peer = s.peerProcess()) {
            return TracedPeers.refusedClient(peer);
        } catch (LinuxException e) {
            return Optional.of("cannot tell who the client is (SO_PEERCRED: " + e.getMessage() + ")");
        }
    }

    private void resumeAccepting(long now) throws LinuxException {
        if (!listenerWatched && now - acceptPausedUntil >= 0) {
            epoll.add(listener.fd(), Epoll.EPOLLIN, LISTENER);
            listenerWatched = true;
        }
    }

    private void serve(Peer p) {
        try {
            if (p.connection == null && !handshake(p)) {
                return;
            }
            for (int k = 0; k < BATCH; k++) {
                int n;
                try {
                    n = p.socket.receive(buf);
                } catch (LinuxException e) {
                    n = UnixSeqpacket.EOF;
                }
                if (n == UnixSeqpacket.WOULD_BLOCK) {
                    return;
                }
                if (n == UnixSeqpacket.EOF) {
                    remove(p);
                    return;
                }
                heapTrim.received(n);
                if (n > buf.length) {
                    decoder.malformed(p.connection, "packet of " + n + " bytes exceeds the " + buf.length
                            + "-byte limit");
                    continue;
                }
                decoder.packet(p.connection, buf, n);
            }
        } catch (RuntimeException e) {
            // A handler bug ends that connection, not the loop every other connection depends on.
            System.err.println("seccheck server: handler failed on client-" + p.id + ", disconnecting it: " + e);
            remove(p);
        }
    }

    /** Reads and answers the handshake; returns whether the connection is now established. */
    private boolean handshake(Peer p) {
        try {
            int n = p.socket.receive(buf);
            if (n == UnixSeqpacket.WOULD_BLOCK) {
                return false;
            }
            if (n == UnixSeqpacket.EOF) {
                throw new MalformedPacketException("the client closed the connection during the handshake");
            }
            if (n > buf.length) {
                throw new MalformedPacketException("client handshake of " + n + " bytes is longer than the "
                        + buf.length + "-byte packet limit");
            }
            Optional<String> forged = TracedPeers.refusedSender(p.socket.lastSender());
            if (forged.isPresent()) {
                throw new MalformedPacketException(forged.get());
            }
            int version;
            try {
                version = Protocol.checkHandshake(buf, n);
            } catch (MalformedPacketException e) {
                throw new MalformedPacketException("client " + e.getMessage(), e);
            }
            Protocol.sendHandshake(p.socket);
            p.connection = new Connection(p.id, version, p.socket.peerCredentials());
        } catch (LinuxException | MalformedPacketException e) {
            peers.remove((long) p.id);
            drop(p);
            handler.onRefused(p.id, e.getMessage());
            return false;
        }
        handler.onConnect(p.connection);
        return true;
    }

    private void expire(long now) {
        long idle = limits.idleTimeout().toNanos();
        long handshake = limits.handshakeTimeout().toNanos();
        List<Peer> expired = new ArrayList<>();
        for (Peer p : peers.values()) {
            long silent = now - p.lastActive;
            if (silent < Math.min(handshake, idle == 0 ? Long.MAX_VALUE : idle)) {
                break; // access order: every later entry was active more recently
            }
            if (p.connection == null ? silent >= handshake : idle != 0 && silent >= idle) {
                expired.add(p);
            }
        }
        for (Peer p : expired) {
            peers.remove((long) p.id);
            if (p.connection == null) {
                drop(p);
                handler.onRefused(p.id, "no handshake from the client within " + limits.handshakeTimeout().toMillis()
                        + " ms");
            } else {
                cut(p, "silent for " + silent(now, p) + " ms, idle timeout " + limits.idleTimeout().toMillis() + " ms");
            }
        }
    }

    private static long silent(long now, Peer p) {
        return (now - p.lastActive) / 1_000_000;
    }

    /** Closes a peer the server chose to end; it is already out of the map. */
    private void cut(Peer p, String why) {
        drop(p);
        if (p.connection == null) {
            handler.onRefused(p.id, why);
        } else {
            handler.onCut(p.connection, why);
            handler.onDisconnect(p.connection);
        }
    }

    private void remove(Peer p) {
        peers.remove((long) p.id);
        drop(p);
        if (p.connection != null) {
            handler.onDisconnect(p.connection);
        }
    }

    private void drop(Peer p) {
        heapTrim.connectionChanged();
        try {
            epoll.remove(p.socket.fd());
        } catch (LinuxException e) {
            // Closing the descriptor removes it from the epoll set anyway.
        }
        p.socket.close();
    }

    @Override
    protected void finish() {
        for (Peer p : new ArrayList<>(peers.values())) {
            try {
                remove(p);
            } catch (RuntimeException e) {
                System.err.println("seccheck server: handler failed disconnecting client-" + p.id + ": " + e);
            }
        }
        epoll.close();
        listener.close();
        try {
            Files.deleteIfExists(endpoint);
        } catch (IOException e) {
            // Best effort: the file is in a directory we may no longer own.
        }
    }
}
