package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.AcceptLoop;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerProcess;
import dev.seccheck.linux.ThreadStarts;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * ControlServer serves a run's control socket: one JSON request per connection, answered by a
 * {@link ControlHandler}. The kernel's SO_PEERCRED, read at accept, decides who is served: a
 * process of another user (root excepted) is refused, and so is any process the {@link PeerGuard}
 * refuses (the run's own workload: the checked program must not switch its checks off), and any
 * whose process was reaped before the guard's answer, when the pid the guard looked at may have
 * been another process's ({@link PeerProcess}). Every
 * request gets an answer, bad ones an error naming the problem; a connection is closed without one
 * only when the peer left first.
 *
 * <p>No peer can hold the server. Who it is decides at accept, before anything is read: a refused
 * peer (the supervised program may connect as often as it likes, and hold its connections silent)
 * and a connection finding all {@value #MAX_CONNECTIONS} slots taken are answered by
 * {@link DeclinedConnections} on a thread of its own, so neither the accept thread nor a serving
 * thread ever waits for them. Only the operator's connections take a slot, and their requests are
 * read with a deadline. A served request is judged again once read, in case its process left.
 *
 * <p>The socket can move ({@link #listenAt}): a run whose directory a program removed serves again
 * where clients look for it. The new socket listens before the old one stops accepting; requests
 * being served go on; one socket listens at a time, however often that happens.
 */
public final class ControlServer implements AutoCloseable {

    /** How long a peer has to send its whole request. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);
    private static final int MAX_CONNECTIONS = 32;
    private static final String OPS = "info, session_list, session_create, session_delete, procfs, exec, signal";

    private final ControlHandler handler;
    private final PeerGuard guard;
    private final Consumer<String> log;
    private final int owner;
    private final Duration deadline;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final DeclinedConnections declined;
    /** The connections being served, whichever socket accepted them: {@link #close} shuts them down. */
    private final Set<UnixSeqpacket> connections = ConcurrentHashMap.newKeySet();
    /** Where the server listens now; replaced under this object's lock ({@link #listenAt}, {@link #close}). */
    private volatile Listening listening;
    private boolean closed;

    /** A listening socket, its path, and the thread accepting on it. */
    private record Listening(Path socket, UnixSeqpacket listener, AcceptLoop acceptor) {}

    private ControlServer(ControlHandler handler, PeerGuard guard,
            Consumer<String> log, Duration deadline, DeclinedConnections declined) {
        this.handler = handler;
        this.guard = guard;
        this.log = log;
        this.owner = RuntimeRoot.currentUid();
        this.deadline = deadline;
        this.declined = declined;
    }

    /** Binds the socket and starts serving the requests {@code guard} allows. */
    public static ControlServer start(Path socket, ControlHandler handler, PeerGuard guard, Consumer<String> log)
            throws IOException {
        return start(socket, handler, guard, log, REQUEST_DEADLINE);
    }

    static ControlServer start(Path socket, ControlHandler handler, PeerGuard guard, Consumer<String> log,
            Duration deadline) throws IOException {
        UnixSeqpacket listener = listen(socket);
        DeclinedConnections declined;
        try {
            declined = new DeclinedConnections(deadline, log);
        } catch (LinuxException e) {
            listener.close();
            throw new IOException("cannot serve control socket " + socket + ": " + e.getMessage(), e);
        }
        ControlServer server = new ControlServer(handler, guard, log, deadline, declined.start());
        server.listening = server.accepting(socket, listener);
        return server;
    }

    /** Binds and listens at {@code socket}, a socket only this user may connect to. */
    private static UnixSeqpacket listen(Path socket) throws IOException {
        // Only ever in the run's own freshly made directory: an old socket there is this user's leftover.
        Files.deleteIfExists(socket);
        UnixSeqpacket listener;
        try {
            listener = UnixSeqpacket.listen(socket, 64);
        } catch (LinuxException e) {
            throw new IOException("cannot serve control socket " + socket + ": " + e.getMessage(), e);
        }
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            listener.close();
            throw new IOException("cannot serve control socket " + socket + ": " + e.getMessage(), e);
        }
        return listener;
    }

    private Listening accepting(Path socket, UnixSeqpacket listener) {
        AcceptLoop acceptor = new AcceptLoop(listener, "seccheck-control", this::accepted);
        acceptor.start();
        return new Listening(socket, listener, acceptor);
    }

    /**
     * Serves at {@code socket} from now on, instead of where it served: the run's directory was
     * made again there. Requests being served go on; the old socket accepts no more.
     */
    public synchronized void listenAt(Path socket) throws IOException {
        if (closed) {
            return;
        }
        UnixSeqpacket listener = listen(socket);
        Listening old = listening;
        listening = accepting(socket, listener);
        stop(old);
    }

    /** Stops accepting on {@code l}; the connections it accepted are served on. */
    private static void stop(Listening l) {
        if (!l.acceptor().stop()) {
            return;
        }
        try {
            l.acceptor().join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        l.listener().close();
    }

    /** Returns the socket's path. */
    public Path socket() {
        return listening.socket();
    }

    /**
     * Decides on the peer's credentials alone, before anything is read: a refused peer (another
     * user, a supervised task) and a connection beyond the slots are handed to the
     * {@link DeclinedConnections}, which answers them on a thread of its own; only the operator's
     * connections take a slot and a serving thread. Nothing here waits on the peer.
     */
    private void accepted(UnixSeqpacket conn) {
        PeerProcess peer;
        try {
            peer = conn.peerProcess();
        } catch (LinuxException e) {
            log.accept("control socket: " + e.getMessage());
            declined.decline(conn, error("cannot tell who you are: " + e.getMessage()), null);
            return;
        }
        Optional<String> refused = refusal(peer);
        if (refused.isPresent()) {
            peer.close();
            declined.decline(conn, error(refused.get()), refused.get());
            return;
        }
        if (!slots.tryAcquire()) {
            peer.close();
            declined.decline(conn, error("busy: " + MAX_CONNECTIONS + " requests are being served; try again"), null);
            return;
        }
        connections.add(conn);
        // Platform threads: a connection waits in poll(2), which would pin a virtual thread's carrier.
        Thread serving = Thread.ofPlatform().daemon().name("seccheck-control-request").unstarted(() -> {
            try (conn; peer) {
                serve(conn, peer, System.nanoTime() + deadline.toNanos());
            } finally {
                connections.remove(conn);
                slots.release();
            }
        });
        if (!ThreadStarts.tryStart(serving::start)) {
            // The workload may have used up the threads the kernel allows this user: the run's
            // control goes on, and this client is told why and may try again.
            connections.remove(conn);
            slots.release();
            peer.close();
            log.accept("control socket: a request was not served: " + ThreadStarts.WHY);
            declined.decline(conn, error("busy: " + ThreadStarts.WHY + "; try again"), null);
        }
    }

    private void serve(UnixSeqpacket conn, PeerProcess peer, long end) {
        JsonNode request;
        try {
            request = Wire.parse(Wire.receive(conn, Wire.MAX_MESSAGE, end));
        } catch (Wire.OversizedException e) {
            reply(conn, error("request refused: " + e.getMessage() + " (a session config may have at most "
                    + Wire.MAX_CONFIG + " bytes)"), end);
            return;
        } catch (Wire.ClosedException e) {
            // Nothing asked, and no one left to answer: a probe whether the run is there.
            return;
        } catch (SocketTimeoutException e) {
            reply(conn, error("request refused: no whole request within " + deadline.toMillis()
                    + " ms (a request is one JSON object ending with a newline)"), end);
            return;
        } catch (IOException e) {
            reply(conn, error("bad request: " + e.getMessage()), end);
            return;
        }
        JsonNode opNode = request.get("op");
        String op = opNode != null && opNode.isTextual() ? opNode.asText() : null;
        Optional<String> refused = refusal(peer);
        if (refused.isPresent()) {
            log.accept("control socket: " + (op == null ? "a request" : "\"" + op + "\"") + " " + refused.get());
            reply(conn, error(refused.get()), end);
            return;
        }
        if (op == null) {
            reply(conn, error("bad request: no \"op\" string (one of: " + OPS + ")"), end);
            return;
        }
        ObjectNode answer;
        try {
            answer = handler.handle(op, request, new ConnectionPeer(conn, peer.pid(), end));
            answer.put("ok", true);
        } catch (ControlException e) {
            answer = error(e.getMessage());
            if (e.exitStatus() != 0) {
                answer.put("status", e.exitStatus());
            }
        } catch (RuntimeException e) {
            log.accept("control request \"" + op + "\" failed: " + e);
            answer = error("internal error in \"" + op + "\": " + e);
        }
        // The handler may have run long (exec): the answer gets a fresh deadline.
        reply(conn, answer, System.nanoTime() + deadline.toNanos());
    }

    /**
     * Why the peer may not control the run: another user's process, one the guard refuses, or one
     * that was reaped before the guard's answer, whose pid the guard may have found on another
     * process (a supervised program that handed its connection on and let the connecting process
     * die would otherwise be judged as whatever process took that pid next).
     */
    private Optional<String> refusal(PeerProcess peer) {
        int uid = peer.credentials().uid();
        if (uid != owner && uid != 0) {
            return Optional.of("permission denied: this run belongs to uid " + owner + ", the request comes from uid " + uid);
        }
        Optional<String> refused = guard.refusal(peer.pid());
        // Asked after the guard's look whatever it found: a peer gone by then is refused for
        // that, the truer reason (at accept, the guard may have found its pid free or another's).
        if (!peer.running()) {
            return Optional.of("refused: the process that connected, pid " + peer.pid()
                    + ", has exited, and its pid may name another process now (a request is served only while"
                    + " the process that connected is there)");
        }
        return refused;
    }

    private void reply(UnixSeqpacket conn, ObjectNode answer, long end) {
        try {
            Wire.send(conn, answer, end);
        } catch (IOException e) {
            log.accept("control socket: cannot answer (" + answer.path("error").asText("ok") + "): " + e.getMessage());
        }
    }

    static ObjectNode error(String message) {
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("ok", false);
        n.put("error", message);
        return n;
    }

    /** The peer of one connection, which can be told its answer is pending. */
    private record ConnectionPeer(UnixSeqpacket conn, long pid, long end) implements ControlHandler.Peer {
        @Override
        public void pending() throws ControlException {
            ObjectNode n = Wire.JSON.createObjectNode();
            n.put("pending", true);
            try {
                Wire.send(conn, n, end);
            } catch (IOException e) {
                throw new ControlException("the client left: " + e.getMessage(), e);
            }
        }
    }

    /** Stops serving, disconnects requests in progress and removes the socket file. */
    @Override
    public void close() {
        Listening last;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            last = listening;
        }
        // Its accepting thread stopped, no connection is added; those being served see their end.
        stop(last);
        connections.forEach(UnixSeqpacket::shutdown);
        declined.close();
        try {
            Files.deleteIfExists(last.socket());
        } catch (IOException e) {
            log.accept("control socket: cannot remove " + last.socket() + ": " + e.getMessage());
        }
    }
}
