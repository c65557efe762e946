package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.FileTypes;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.ThreadIds;
import java.util.HashSet;
import java.util.Set;

/**
 * OutputSockets are seccheck's own stdout and stderr when they are sockets (a systemd service's
 * journal stream, socat), which the supervised program inherits: {@code shutdown(2, SHUT_WR)} by
 * the program made every later line seccheck wrote there (the trail, its alerts "refused ...")
 * fail with EPIPE, dropped. Kept by device and inode, so that every descriptor of the socket
 * counts, a dup of it or one passed over another socket.
 *
 * <p>When there is any, {@link Guard} holds {@code shutdown} for the notifier, which {@link #take}s
 * the caller's descriptor (pidfd_getfd) and decides on that open file, not on its number: another
 * thread of the program that dup2s seccheck's socket onto the number after the look changes
 * nothing, as the shutdown is then made by seccheck on the file it looked at ({@link
 * Taken#shutdown}), with the program's {@code how}, and its answer (0, ENOTCONN, ENOTSOCK,
 * EINVAL) is the program's. A shutdown of seccheck's socket is refused with EPERM, nothing done.
 * When neither is a socket, nothing is held: a shutdown costs nothing more than before.
 *
 * <p>The notifier makes the shutdown itself: on unix and IP sockets it returns at once. Only a
 * family with a linger of its own in shutdown (Bluetooth's, SMC's over RDMA, both needing their
 * hardware) could keep it waiting, and the run's other held calls with it, up to that linger.
 */
public final class OutputSockets {

    /** No output socket: shutdown is not held. */
    public static final OutputSockets NONE = new OutputSockets(Set.of());

    /** A socket as the kernel knows it. */
    private record Id(long dev, long ino) {}

    private final Set<Id> sockets;

    private OutputSockets(Set<Id> sockets) {
        this.sockets = Set.copyOf(sockets);
    }

    /** The socket of device {@code dev} and inode {@code ino} alone: for tests of the guard's filter. */
    static OutputSockets of(long dev, long ino) {
        return new OutputSockets(Set.of(new Id(dev, ino)));
    }

    /** Returns this process's stdout and stderr that are sockets, looked at now (fstat). */
    public static OutputSockets ofThisProcess() {
        PathCalls calls = new PathCalls();
        Set<Id> found = new HashSet<>();
        for (int fd : new int[] {1, 2}) {
            PathCalls.Stat st = calls.fstat(fd);
            if (st != null && (st.mode() & FileTypes.S_IFMT) == FileTypes.S_IFSOCK) {
                found.add(new Id(st.dev(), st.ino()));
            }
        }
        return found.isEmpty() ? NONE : new OutputSockets(found);
    }

    /** Returns whether seccheck writes to any socket: the guard then holds shutdown. */
    public boolean any() {
        return !sockets.isEmpty();
    }

    /** Returns whether a held syscall is one the guard holds for this check. */
    public boolean held(int nr) {
        return nr == Sysno.SHUTDOWN && any();
    }

    /**
     * Takes the open file behind descriptor {@code fd} of thread {@code tid} of process {@code
     * tgid} (the kernel takes shutdown's fd as an int). The caller closes what it returns.
     */
    public Taken take(int tid, int tgid, long fd) {
        int file = ThreadIds.copyFd(tid, tgid, (int) fd);
        if (file < 0) {
            return new Taken(file, false);
        }
        PathCalls.Stat st = new PathCalls().fstat(file);
        return new Taken(file, st == null || sockets.contains(new Id(st.dev(), st.ino())));
    }

    /**
     * The program's descriptor taken for a held shutdown: seccheck's copy of it, or -errno when
     * it could not be taken; {@code ours} when it is one of seccheck's output sockets (or could
     * not be looked at: fail closed).
     */
    public record Taken(int file, boolean ours) implements AutoCloseable {

        /**
         * Returns the refusal, if any: EPERM for seccheck's own socket, or for a descriptor seccheck
         * could not take (the program made itself undumpable and seccheck has no privilege over it,
         * or seccheck is out of descriptors), as it cannot tell what it is. An fd the program does
         * not have (EBADF), or a caller gone (ESRCH), is no refusal: {@link #shutdown} answers it.
         */
        public boolean refused() {
            return ours || (file < 0 && file != -Errno.EBADF && file != -Errno.ESRCH);
        }

        /** Makes the shutdown on the taken file with the program's {@code how}: 0 or -errno, as the kernel answers the program. */
        public long shutdown(long how) {
            return file < 0 ? file : SocketCalls.shutdown(file, (int) how);
        }

        @Override
        public void close() {
            if (file >= 0) {
                PathCalls.close(file);
            }
        }
    }
}
