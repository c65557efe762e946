package dev.seccheck.remote.wire;

import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.linux.PeerProcess;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.RefusingServers;
import java.io.IOException;
import java.util.Optional;

/**
 * TracedPeers refuses a supervised program at either end of the remote link. The program runs as
 * the user seccheck runs as, so it may connect wherever seccheck may: to a monitoring server, to
 * forge a sandbox's stream of points; or, where it can bind the endpoint's name before the server
 * does, to receive the run's points in the server's place. Every supervised task is ptraced by its
 * supervisor from its birth to its exit and cannot detach, while a seccheck run, a gVisor sandbox
 * and a monitoring server are not traced: a peer that is ptraced is refused.
 *
 * <p>The peer is the process that connected (or listened), as SO_PEERCRED recorded it. A peer
 * whose status cannot be read (it is gone, or /proc hides it) is refused too, and so is one that
 * was reaped, or is a zombie, by the end of the look ({@link PeerProcess#running}): a program could listen or
 * connect from a child, keep the socket, let the child die, and wait for a process that is not
 * traced to take its pid. A peer the kernel
 * gives as pid 0 lives in a pid namespace this process cannot see into, where nothing can be
 * told: it is let through.
 *
 * <p>Where seccheck performs a program's connect itself (the emulation, while a session has a
 * connect point), the kernel records seccheck's pid, which is not traced, as the client: a server
 * that refuses traced clients also names its process so ({@link RefusingServers}), and seccheck
 * never connects a program to it.
 *
 * <p>The mirror case: where seccheck makes a program's listen itself (while a session decides at
 * bind's points, see the sentry's {@code Listens}), the kernel records the listening {@code seccheck
 * run} as the server, which is not traced either. A run never serves this protocol (a monitoring
 * server names itself {@link RefusingServers#SERVER}, {@code tracereplay save} too), so a server
 * named {@link RefusingServers#RUN} is refused: it is a supervised program's listener.
 */
public final class TracedPeers {
    private TracedPeers() {}

    /** Returns why a client that connected to a server is refused, or empty when it is not traced. */
    public static Optional<String> refusedClient(PeerCredentials peer) {
        return traced(peer).map(why -> "the client is pid " + peer.pid() + ", " + why
                + " (a supervised program posing as a sandbox? seccheck and gVisor are never traced)");
    }

    /**
     * Returns why a server a sink (or a replay) connected to is refused, or empty when it is neither
     * traced nor a {@code seccheck run}, which listens only for a program it supervises.
     */
    public static Optional<String> refusedServer(PeerCredentials peer) {
        return traced(peer).or(() -> aRun(peer)).map(why -> "the server is pid " + peer.pid() + ", " + why
                + " (a supervised program posing as the server? a monitoring server is not traced)");
    }

    /**
     * Says that the peer is another {@code seccheck run}, which made the listen for a program it
     * supervises. This process itself is not refused: a run that serves its own sink in one JVM (the
     * tests do) names itself so too; a program of this very run can still pose as its server while
     * the endpoint is free (README, "the remote sink").
     */
    private static Optional<String> aRun(PeerCredentials peer) {
        return peer.pid() > 0 && peer.pid() != ProcessHandle.current().pid()
                && RefusingServers.RUN.equals(Procfs.comm(peer.pid()))
                ? Optional.of("named " + RefusingServers.RUN + ", which listened for a program it supervises")
                : Optional.empty();
    }

    /**
     * Returns why a client whose first packet (its handshake) was sent by process {@code pid} is
     * refused, or empty when that process is not traced. The connection's own peer can be
     * seccheck where it performed the connect for a program, which a second thread of the program
     * wrote on before seccheck refused it: its handshake came from the program. A sender the
     * kernel did not name (0) is let through, as a peer of pid 0 is; one gone by now is refused.
     */
    public static Optional<String> refusedSender(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        return traced(new PeerCredentials(pid, -1, -1)).or(() -> Procfs.status(pid).isPresent() ? Optional.empty()
                : Optional.of("whose process has exited since")).map(why -> "the client's handshake was sent by pid "
                + pid + ", " + why + " (a supervised program posing as a sandbox? seccheck and gVisor are never traced)");
    }

    /** As {@link #refusedClient(PeerCredentials)}, and refused too when the client's process is gone by then. */
    public static Optional<String> refusedClient(PeerProcess peer) {
        return refusedClient(peer.credentials()).or(() -> gone(peer, "client"));
    }

    /** As {@link #refusedServer(PeerCredentials)}, and refused too when the server's process is gone by then. */
    public static Optional<String> refusedServer(PeerProcess peer) {
        return refusedServer(peer.credentials()).or(() -> gone(peer, "server"));
    }

    /** Asked after the look by pid: whether that pid may have named another process meanwhile. */
    private static Optional<String> gone(PeerProcess peer, String who) {
        return peer.running() ? Optional.empty() : Optional.of("the " + who + " is pid " + peer.pid()
                + ", whose process has exited since it " + (who.equals("server") ? "listened" : "connected")
                + ": that pid may name another process now");
    }

    /** Says that the peer is traced, or that it cannot be told; empty when it is not traced. */
    private static Optional<String> traced(PeerCredentials peer) {
        if (peer.pid() <= 0) {
            return Optional.empty();
        }
        int tracer;
        try {
            tracer = Procfs.readStatus(peer.pid()).tracerPid();
        } catch (IOException | RuntimeException e) {
            return Optional.of("whose status cannot be read (" + e.getMessage() + ")");
        }
        if (tracer < 0) {
            return Optional.of("whose status has no TracerPid");
        }
        return tracer == 0 ? Optional.empty() : Optional.of("which is ptraced by task " + tracer);
    }
}
