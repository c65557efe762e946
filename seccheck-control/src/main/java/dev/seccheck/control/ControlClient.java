package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.PeerProcess;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * ControlClient sends one request to a run's control socket and returns its answer. Every step has
 * a deadline (connect, send, answer) and an error naming the run that did not answer; and the
 * client talks only to the run itself: the socket's peer must be the user's own process with the
 * pid {@code run.json} gives, and not a ptraced one (a supervised program that rewrote
 * {@code run.json} with its own pid), so a socket planted in its place gets no policy. Each request
 * names the run it is for, and any other run refuses it ({@link SessionControl}): a program that
 * swapped its run's directory with another run's cannot have that run's requests served.
 */
public final class ControlClient {
    private ControlClient() {}

    static {
        // Linking the native calls takes a while in a fresh JVM: done here, it does not eat into
        // the first call's deadline and make a healthy run look stuck.
        try {
            Class.forName(UnixSeqpacket.class.getName(), true, ControlClient.class.getClassLoader());
            Class.forName(Poll.class.getName(), true, ControlClient.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The deadline of a call when the command gives none. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** Returns a new request object for {@code op}. */
    public static ObjectNode request(String op) {
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("op", op);
        return n;
    }

    /**
     * Sends the request to a run found in the runtime directory and waits at most {@code timeout}
     * for the answer (a request the run marks pending, {@code exec}, then waits for as long as
     * its command runs).
     *
     * @throws ControlException with the run's error message, or saying why the run could not be
     *     reached or trusted, or that it did not answer in time ({@link ControlException#unresponsive()})
     */
    public static JsonNode call(RuntimeRoot.RunAddress run, ObjectNode request, Duration timeout) throws ControlException {
        String name = "run \"" + run.run().id() + "\" (pid " + run.run().pid() + ")";
        request.put("run", run.run().id());
        long end = System.nanoTime() + timeout.toNanos();
        try (UnixSeqpacket s = connect(run.socket(), timeout, name); PeerProcess server = s.peerProcess()) {
            PeerCredentials peer = server.credentials();
            int me = RuntimeRoot.currentUid();
            if (peer.uid() != me || peer.pid() != run.run().pid()) {
                throw new ControlException("refusing to talk to " + run.socket() + ": it is served by pid " + peer.pid()
                        + " of uid " + peer.uid() + ", but " + name + " belongs to pid " + run.run().pid() + " of uid " + me
                        + "; the socket is not the run's. Remove the directory " + run.socket().getParent());
            }
            refuseASupervisedServer(peer.pid(), run.socket());
            if (!server.running()) {
                throw new ControlException("refusing to talk to " + run.socket() + ": the process that listened there, pid "
                        + peer.pid() + ", has exited, and its pid may name another process now; the socket is not the"
                        + " run's. Remove the directory " + run.socket().getParent());
            }
            return exchange(s, request, end, timeout, name);
        } catch (LinuxException e) {
            throw new ControlException("cannot reach " + name + " at " + run.socket() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a server that is a supervised program. The program runs as the same user, so it can
     * rewrite its run's {@code run.json} with its own pid and serve a socket of its own in the
     * run's place: the operator would then be told of a policy it never got. A run's supervisor is
     * never ptraced, and every supervised task is, by its supervisor, from birth to exit. The pid
     * is the one that listened (SO_PEERCRED); should that process be gone, its /proc entry is too
     * and the server is refused, and so is one gone by the end of the look, whose pid an untraced
     * process could have taken meanwhile ({@link PeerProcess#running}).
     */
    private static void refuseASupervisedServer(long pid, Path socket) throws ControlException {
        long tracer;
        try {
            tracer = ProcessStatus.of(pid).tracer();
        } catch (IOException | RuntimeException e) {
            throw new ControlException("refusing to talk to " + socket + ": cannot tell whether pid " + pid
                    + ", which serves it, is a supervised program (" + e.getMessage() + ")");
        }
        if (tracer != 0) {
            throw new ControlException("refusing to talk to " + socket + ": it is served by pid " + pid
                    + ", which is ptraced by pid " + tracer + " (a supervised program posing as its run?"
                    + " a run's own supervisor is never traced)");
        }
    }

    /** Sends the request to a socket with no run record to check against (tests, and servers that are not runs). */
    static JsonNode call(Path socket, ObjectNode request, Duration timeout) throws ControlException {
        long end = System.nanoTime() + timeout.toNanos();
        String name = "the control socket " + socket;
        try (UnixSeqpacket s = connect(socket, timeout, name)) {
            return exchange(s, request, end, timeout, name);
        }
    }

    private static JsonNode exchange(UnixSeqpacket s, ObjectNode request, long end, Duration timeout, String name) throws ControlException {
        try {
            try {
                Wire.send(s, request, end);
            } catch (IOException e) {
                // A run that refuses a request answers and closes before reading all of it: read its answer.
                if (!Wire.peerClosed(e)) {
                    throw e;
                }
            }
            JsonNode reply = Wire.parse(Wire.receive(s, Wire.MAX_MESSAGE, end));
            if (reply.path("pending").asBoolean(false)) {
                // Accepted; the answer comes when the work ends (exec: when its command exits).
                reply = Wire.parse(Wire.receive(s, Wire.MAX_MESSAGE, System.nanoTime() + Long.MAX_VALUE / 2));
            }
            if (!reply.path("ok").asBoolean(false)) {
                throw new ControlException(reply.path("error").asText("the run gave no reason"), null,
                        reply.path("status").asInt(0));
            }
            return reply;
        } catch (SocketTimeoutException e) {
            throw ControlException.unresponsive(name + " did not answer within " + timeout.toMillis()
                    + " ms; it may be stuck: see its stderr, or stop it", e);
        } catch (IOException e) {
            throw new ControlException(name + ": " + e.getMessage(), e);
        }
    }

    /** Connects with a deadline: connect(2) on a Unix socket blocks while the server's backlog is full. */
    private static UnixSeqpacket connect(Path socket, Duration timeout, String name) throws ControlException {
        CompletableFuture<UnixSeqpacket> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("seccheck-control-connect").start(() -> {
            try {
                f.complete(UnixSeqpacket.connect(socket));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // Whenever connect does return, the socket is closed, not leaked.
            f.thenAccept(UnixSeqpacket::close);
            throw ControlException.unresponsive(name + " did not accept a connection within " + timeout.toMillis()
                    + " ms; it may be stuck: see its stderr, or stop it", e);
        } catch (ExecutionException e) {
            String why = e.getCause() instanceof LinuxException l ? l.getMessage() : String.valueOf(e.getCause());
            throw new ControlException("cannot reach " + name + ": " + why, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlException("interrupted while connecting to " + name, e);
        }
    }
}
