package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.io.IOException;

/**
 * PeerProcess is the process at the other end of a Unix socket, held by a pidfd: its credentials
 * as of connect or listen (SO_PEERCRED), and whether that same process still holds the pid they
 * give. Decisions about a peer are made by its pid (its /proc entry, its tracer, its parents), and
 * a peer that exits and is reaped frees that pid for any process the kernel starts next: a
 * supervised program can pass its connected socket on, let the connecting process die, and cycle
 * the pids (32,768 of them on many hosts, a couple of seconds of thread starts) until one outside
 * the run takes that number. Asked after such a decision, {@link #running} says whether the pid
 * named the peer the whole time (the kernel gives a pid out again only once its process is reaped,
 * {@link #holdsItsPid}) and the peer is no zombie, which its tracer and its parent no longer
 * describe.
 *
 * <p>The pidfd is the kernel's own record of the peer (SO_PEERPIDFD, Linux 6.5). Before that
 * kernel, it is a pidfd of whatever process has the pid when the peer is looked at, which leaves
 * the window between the peer's connect and that look.
 */
public final class PeerProcess implements AutoCloseable {

    private final PeerCredentials credentials;
    /** The peer's pidfd; -1 when it has none (gone already, or in a pid namespace not ours). */
    private final int pidfd;
    private final boolean gone;
    private boolean closed;

    PeerProcess(PeerCredentials credentials, int pidfd, boolean gone) {
        this.credentials = credentials;
        this.pidfd = pidfd;
        this.gone = gone;
    }

    /** Returns the peer's credentials as of its connect (or its listen, for a server). */
    public PeerCredentials credentials() {
        return credentials;
    }

    /** Returns the peer's pid as this process sees it (0: in a pid namespace it cannot see). */
    public int pid() {
        return credentials.pid();
    }

    /**
     * Whether the peer still holds its pid: it runs, or it exited and was not reaped yet. False
     * once it was reaped (the pid may name another process now) or when it was gone before this
     * was made. A peer given as pid 0 was never looked at by pid, and holds it.
     */
    public boolean holdsItsPid() {
        if (gone) {
            return false;
        }
        return pidfd < 0 || Syscalls.exists(pidfd);
    }

    /**
     * Whether the peer still runs: it holds its pid ({@link #holdsItsPid}) and is no zombie. A
     * zombie is no longer traced, and its parent may be outside a run (an orphan reparented there
     * that does not reap at once), so a decision by its tracer or its parents could take a dead
     * supervised process for an outside one; a live client waiting for its answer is never one.
     */
    public boolean running() {
        if (pidfd < 0) {
            return !gone;
        }
        String state;
        try {
            state = Procfs.readStatus(pid()).fields().getOrDefault("State", "");
        } catch (IOException e) {
            return false;
        }
        // Asked after the read: the status read was the peer's.
        return !state.startsWith("Z") && !state.startsWith("X") && holdsItsPid();
    }

    /** Closes the pidfd; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (pidfd >= 0 && !closed) {
            closed = true;
            Direct.call(Sysno.CLOSE, pidfd, 0, 0, 0);
        }
    }
}
