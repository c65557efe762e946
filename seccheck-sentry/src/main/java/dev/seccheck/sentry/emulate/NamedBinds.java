package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SocketCalls;
import dev.seccheck.linux.UnixDiag;
import java.util.function.Consumer;

/**
 * NamedBinds binds a unix socket to a path for the program, in the directory the walk decided,
 * under the name the program gave. The kernel keeps the bind's {@code sun_path} as given: it is
 * what {@code getsockname} returns and what the socket's peers see as its address (a datagram
 * server replies to it, from its own cwd when it is relative). Bound from inside the decided
 * directory by its last component, a socket of {@code /srv/run/app.sock} was named
 * {@code app.sock}, and a server outside the run sent its reply into a socket of that name in its
 * own cwd (its private one).
 *
 * <p>So the bind is made with the program's own address, from its cwd (our fd of
 * {@code /proc/TID/cwd}), on a thread whose root is the program's (checked: the same directory on
 * the same mount, else {@link #BY_LAST_COMPONENT}). The name is looked up again then, and another
 * thread of the program may have renamed or replaced a directory on the way meanwhile: the
 * kernel's socket diagnostics then say where the socket file was made ({@link UnixDiag}), and a
 * socket not made in the decided directory under the decided name is shut down for good (no
 * peer can reach it: connects are refused, datagrams fail with EPERM) and the bind fails with
 * EACCES, logged. Such a socket keeps a dead file where the race put it.
 */
final class NamedBinds {

    /**
     * What {@link #bind} returns when it cannot bind under the program's name, nothing bound: bind
     * by the last component, from inside the decided directory.
     */
    static final long BY_LAST_COMPONENT = Long.MIN_VALUE;

    private final PathCalls calls;
    private final Consumer<String> log;
    /** seccheck's root, as {@code {dev, ino, unique mount id}}; read once (seccheck never changes it). */
    private long[] ownRoot;

    NamedBinds(PathCalls calls, Consumer<String> log) {
        this.calls = calls;
        this.log = log;
    }

    /** A bind made for the program: the call that makes it on the current thread (0 or -errno). */
    interface Perform {
        long bind(java.util.function.LongSupplier op);
    }

    /**
     * Binds {@code sock} to the program's address {@code given} from the program's cwd, through
     * {@code perform} (its identity and Landlock domain), and checks the socket landed in the
     * directory {@code dir} (our fd) as {@code name}: 0, -errno, or {@link #BY_LAST_COMPONENT} when
     * this cannot be done (another root than seccheck's, a socket the diagnostics do not know),
     * with nothing bound. {@code absolute} says {@code given} is the decided file's absolute real
     * path, not the program's name: the kernel walks it from "/", and a directory on the way the
     * program may not search (a cwd below a parent of mode 0770 it is no member of) fails it with
     * EACCES where the program's own relative name ("./x.sock", "d/../x.sock") binds natively; that
     * refusal is not the program's, so the bind is then made by the last component.
     */
    long bind(int tid, int sock, byte[] given, boolean absolute, int dir, String name, Perform perform) {
        PathCalls.Stat sockStat = calls.fstat(sock);
        if (sockStat == null || !sameRootAsOurs(tid)) {
            return BY_LAST_COMPONENT;
        }
        try {
            // Unbound now (null); a socket of another network namespace is unknown to ours.
            if (UnixDiag.boundFile(sockStat.ino()) != null) {
                return BY_LAST_COMPONENT;
            }
        } catch (LinuxException e) {
            return BY_LAST_COMPONENT;
        }
        int cwd = Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/cwd", O_PATH | O_CLOEXEC));
        if (cwd < 0) {
            return cwd == -Errno.ENOENT ? -Errno.ESRCH : cwd;
        }
        long r;
        try {
            r = perform.bind(() -> {
                int in = calls.fchdir(cwd);
                if (in < 0) {
                    return in;
                }
                try {
                    return SocketCalls.bind(sock, given);
                } finally {
                    calls.chdir("/");
                }
            });
        } finally {
            PathCalls.close(cwd);
        }
        if (r == -Errno.EACCES && absolute) {
            return BY_LAST_COMPONENT;
        }
        if (r < 0) {
            return r;
        }
        return landed(tid, sock, sockStat.ino(), dir, name) ? 0 : -Errno.EACCES;
    }

    /** Whether the socket's file is {@code name} in {@code dir}; if not, it is shut down and logged. */
    private boolean landed(int tid, int sock, long sockIno, int dir, String name) {
        long[] bound;
        try {
            bound = UnixDiag.boundFile(sockIno);
        } catch (LinuxException e) {
            bound = null;
        }
        PathCalls.Stat there = calls.lstatAt(dir, name);
        if (bound != null && bound.length == 2 && there != null && there.dev() == bound[0]
                && (there.ino() & 0xffffffffL) == bound[1]) {
            return true;
        }
        SocketCalls.shutdown(sock);
        log.accept("refused bind from task " + tid + " (" + Procfs.comm(tid) + "): its socket was not made as "
                + name + " in the directory decided: a directory on its way was changed"
                + " during the bind; the socket is shut down (EACCES)");
        return false;
    }

    /** Whether task {@code tid}'s root is seccheck's: the same directory on the same mount. */
    private boolean sameRootAsOurs(int tid) {
        long[] ours = ownRoot;
        if (ours == null) {
            ours = rootOf("/");
            if (ours == null) {
                return false;
            }
            ownRoot = ours;
        }
        long[] theirs = rootOf("/proc/" + tid + "/root");
        return theirs != null && theirs[0] == ours[0] && theirs[1] == ours[1] && theirs[2] == ours[2] && ours[2] != 0;
    }

    private long[] rootOf(String path) {
        int fd = Identity.anchor(() -> calls.openat(AT_FDCWD, path, O_PATH | O_CLOEXEC));
        if (fd < 0) {
            return null;
        }
        try {
            PathCalls.Statx sx = calls.statNoSync(fd);
            return sx == null ? null : new long[] {sx.stat().dev(), sx.stat().ino(), sx.uniqueMountId()};
        } finally {
            PathCalls.close(fd);
        }
    }
}
