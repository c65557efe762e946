package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.linux.ThreadIds;
import dev.seccheck.sentry.defense.UserNamespaces;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TaskFiles keeps open, for one emulation thread, the program's files it reads at every emulated
 * call: each thread's {@code /proc/TID/status} and pidfd, and (before Linux 6.9) each process's pidfd. What they say is never
 * cached, only the open: the status is read again at offset 0 at each call (the kernel writes it
 * anew for every read at 0, so a credential changed a moment ago is in it), and a dirfd or socket
 * is taken through the thread's pidfd at each call. An open and a close per call were a quarter of the
 * system calls of an emulated open.
 *
 * <p>Both kinds of fd name one task or process for good, not a number: once it is gone, a read or
 * a {@code pidfd_getfd} through ours fails with ESRCH, even when a new task has the same number;
 * that fd is then dropped and the number opened again. At most {@link #KEPT} of each are kept, the
 * least recently used closed first. Not thread-safe: one instance per emulation thread.
 */
final class TaskFiles implements AutoCloseable {

    /** How many statuses and pidfds are kept open: past that, the least recently used is closed. */
    static final int KEPT = 64;
    /**
     * Every this many files opened for tasks seen for the first time, the files of tasks that have
     * exited are closed ({@link #dropGone}): most tasks of a build are short processes, and their
     * files would otherwise stay until pushed out, up to 3 x {@link #KEPT} per emulation thread. A
     * sweep costs a signal-0 call per kept file: a few microseconds per new task.
     */
    static final int SWEEP_EVERY = 16;

    private final PathCalls calls;
    private final Map<Integer, Integer> statuses = lru();
    private final Map<Integer, Integer> pidfds = lru();
    private final Map<Integer, Integer> threads = lru();
    private final ThreadIds ids = new ThreadIds();
    /** Set once a thread pidfd cannot be had (a kernel before 6.9): fds are taken from the process's table. */
    private boolean noThreadPidfds;
    /** Set once a thread's ids cannot be had from its pidfd (a kernel before 6.13): the status is read instead. */
    private boolean noThreadIds;
    /** The last status read; grown to the longest one (a long Groups line). */
    private byte[] status = new byte[4096];
    /** Files opened for tasks not kept, for {@link #SWEEP_EVERY}. */
    private int opened;

    /** The inode of seccheck's own user namespace (nsfs); -1 when it cannot be read. */
    private final long ownUserNamespace;
    /** Set once a thread's pidfd cannot give its user namespace (a kernel before 6.11): /proc tells instead. */
    private boolean noNamespaceIoctl;

    /** Whether a task may have left seccheck's user namespace: until then, none has. */
    private final UserNamespaces userNamespaces;

    /**
     * TaskFiles that asks every task's namespace, whether or not one could have left seccheck's:
     * for tests, and for the rare looks made outside the emulation ({@link TaskLooks}).
     */
    TaskFiles(PathCalls calls) {
        this(calls, leftAlready());
    }

    private static UserNamespaces leftAlready() {
        UserNamespaces u = new UserNamespaces();
        u.leaving();
        return u;
    }

    TaskFiles(PathCalls calls, UserNamespaces userNamespaces) {
        this.calls = calls;
        this.userNamespaces = userNamespaces;
        this.ownUserNamespace = namespaceInode(calls.openat(AT_FDCWD, "/proc/thread-self/ns/user", O_RDONLY | O_CLOEXEC));
    }

    /** The nsfs inode of the namespace fd {@code fd}, which is closed; -1 when {@code fd} is an error. */
    private long namespaceInode(int fd) {
        if (fd < 0) {
            return -1;
        }
        PathCalls.Stat st = calls.fstat(fd);
        PathCalls.close(fd);
        return st == null ? -1 : st.ino();
    }

    /** The nsfs inode of seccheck's own user namespace, -1 when it could not be read. */
    long ownUserNamespace() {
        return ownUserNamespace;
    }

    /**
     * Whether thread {@code tid} is in seccheck's user namespace, where its capabilities mean what
     * seccheck's do; false when it cannot be told. A thread in a namespace of its own has its
     * capabilities there, not in seccheck's. Asked only once a task could have left it
     * ({@link UserNamespaces}), then of the thread's pidfd (kept with its ids): an ioctl, an
     * fstat and a close, about 5 us.
     */
    boolean inOwnUserNamespace(int tid) {
        if (!userNamespaces.anyLeft()) {
            return true; // every task of the run started in seccheck's, and none could leave it yet
        }
        return ownUserNamespace >= 0 && userNamespace(tid) == ownUserNamespace;
    }

    /** Whether a task of the run may have left seccheck's user namespace (until then, none has). */
    boolean anyLeftOwnUserNamespace() {
        return userNamespaces.anyLeft();
    }

    /**
     * The nsfs inode of the user namespace thread {@code tid} is in, -1 when it cannot be told:
     * asked of the thread's pidfd (kept with its ids), else of its /proc entry. The kernel makes a
     * ptrace access check of either; where the program's credentials, which the calling thread
     * may hold, are refused it (a program whose namespace maps its root to another host uid than
     * the namespace's maker's), seccheck's own ask ({@link Identity#anchor}): the answer only
     * tells seccheck, and reaches the program in nothing.
     */
    long userNamespace(int tid) {
        if (!noNamespaceIoctl) {
            counted(threads, tid);
            int pidfd = threads.computeIfAbsent(tid, ThreadIds::openThread);
            int ns = pidfd < 0 ? pidfd : Identity.anchor(() -> ThreadIds.openUserNamespace(pidfd));
            if (ns >= 0) {
                return namespaceInode(ns);
            }
            if (pidfd < 0 || !ThreadIds.unsupported(ns)) {
                Integer dropped = threads.remove(tid); // gone, or a number taken again: asked anew below
                if (dropped != null && dropped >= 0) {
                    PathCalls.close(dropped);
                }
            } else {
                noNamespaceIoctl = true;
            }
        }
        return namespaceInode(Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/user", O_RDONLY | O_CLOEXEC)));
    }

    /**
     * Whether the user namespace task {@code tid} is in, whose parent is the namespace of nsfs
     * inode {@code parent}, was made with CAP_SETFCAP, as far as seccheck can tell
     * ({@link UserNamespaces#madeWithSetfcap}).
     */
    boolean madeWithSetfcap(int tid, long parent) {
        return userNamespaces.madeWithSetfcap(tid, parent);
    }

    private static Map<Integer, Integer> lru() {
        return new LinkedHashMap<>(KEPT * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Integer> eldest) {
                if (size() <= KEPT) {
                    return false;
                }
                PathCalls.close(eldest.getValue());
                return true;
            }
        };
    }

    /**
     * Called before a call for task {@code key} of {@code kept}: when none is kept for it (a file
     * is about to be opened), counts it, and every {@link #SWEEP_EVERY} closes what tasks that
     * have exited left.
     */
    private void counted(Map<Integer, Integer> kept, int key) {
        if (!kept.containsKey(key) && ++opened % SWEEP_EVERY == 0) {
            dropGone();
        }
    }

    /**
     * Closes the files of every task that no longer exists: a status by its thread number (a
     * number taken again since is kept, and found out at its next read), a pidfd by the pidfd.
     */
    void dropGone() {
        statuses.entrySet().removeIf(e -> !Syscalls.threadExists(e.getKey()) && closed(e.getValue()));
        pidfds.values().removeIf(fd -> !Syscalls.exists(fd) && closed(fd));
        threads.values().removeIf(fd -> !Syscalls.exists(fd) && closed(fd));
    }

    private static boolean closed(int fd) {
        PathCalls.close(fd);
        return true;
    }

    /** The buffer {@link #readStatus} filled. */
    byte[] status() {
        return status;
    }

    /** Reads task {@code tid}'s current status into {@link #status}: its length, or -errno (ESRCH, ENOENT: gone). */
    int readStatus(int tid) {
        counted(statuses, tid);
        for (boolean kept = statuses.containsKey(tid); ; kept = false) {
            int fd = statuses.computeIfAbsent(tid, t -> calls.openat(AT_FDCWD, "/proc/" + t + "/status", O_RDONLY | O_CLOEXEC));
            if (fd < 0) {
                statuses.remove(tid);
                return fd;
            }
            int n = calls.pread(fd, status, 0);
            while (n == status.length) { // a long Groups line: read it whole
                status = Arrays.copyOf(status, status.length * 2);
                n = calls.pread(fd, status, 0);
            }
            if (n >= 0 || !kept) {
                if (n < 0) {
                    PathCalls.close(statuses.remove(tid));
                }
                return n;
            }
            PathCalls.close(statuses.remove(tid)); // that task is gone: the number may be another's now
        }
    }

    /**
     * Reads thread {@code tid}'s user and group ids as they are now through a pidfd of that thread
     * (kept open like the rest): 0, then {@link #uids} and {@link #gids}; -ESRCH when it is
     * gone; -ENOSYS when the pidfd cannot tell, from then on without asking when the kernel
     * cannot at all (older than 6.13, {@link ThreadIds#unsupported}).
     */
    int readIds(int tid) {
        counted(threads, tid);
        if (noThreadIds) {
            return -Errno.ENOSYS;
        }
        for (boolean kept = threads.containsKey(tid); ; kept = false) {
            int fd = threads.computeIfAbsent(tid, ThreadIds::openThread);
            int r = fd < 0 ? fd : ids.read(fd);
            if (r == 0) {
                return 0;
            }
            Integer dropped = threads.remove(tid);
            if (dropped != null && dropped >= 0) {
                PathCalls.close(dropped);
            }
            if (ThreadIds.unsupported(r)) {
                noThreadIds = true;
                return -Errno.ENOSYS;
            }
            if (r != -Errno.ESRCH) {
                return -Errno.ENOSYS; // this call only (EMFILE...): the status tells instead
            }
            if (!kept) {
                return r;
            }
        }
    }

    /** The user ids {@link #readIds} read: real, effective, saved, filesystem. */
    long[] uids() {
        return ids.uids();
    }

    /** The group ids {@link #readIds} read, in the order of {@link #uids}. */
    long[] gids() {
        return ids.gids();
    }

    /**
     * Duplicates fd {@code fd} of thread {@code tid} of process {@code tgid} into seccheck
     * ({@code pidfd_getfd}): ours, or -ESRCH when the thread is gone, -EPERM when seccheck's thread
     * may not trace it (see {@link Identity#anchor}), -EMFILE or -ENFILE when seccheck has no room
     * for it, -EBADF when it has no such fd.
     * Taken from the thread's own table, through its pidfd ({@code PIDFD_THREAD}, Linux 6.9), the
     * one kept for its ids: a thread that made a table of its own ({@code unshare(CLONE_FILES)})
     * numbers its fds apart from its process, and taken from the process's table, a dirfd or
     * socket was another file, so an open relative to it was decided on (and made in) a directory
     * the thread did not name. The same one call per fd as through the process's pidfd, and one
     * pidfd per thread kept instead of per process. Before Linux 6.9, from the process's table.
     */
    int getfd(int tid, int tgid, int fd) {
        if (noThreadPidfds) {
            return getfdOfProcess(tgid, fd);
        }
        counted(threads, tid);
        for (boolean kept = threads.containsKey(tid); ; kept = false) {
            int pidfd = threads.computeIfAbsent(tid, ThreadIds::openThread);
            if (pidfd < 0) {
                threads.remove(tid);
                if (pidfd == -Errno.EINVAL) {
                    noThreadPidfds = true; // no thread pidfds on this kernel
                    return getfdOfProcess(tgid, fd);
                }
                return pidfd;
            }
            try {
                return Syscalls.pidfdGetfd(pidfd, fd);
            } catch (LinuxException e) {
                if (e.errno() == Errno.EPERM) {
                    return -Errno.EPERM; // no ptrace access (Identity#anchor): the fd may well exist
                }
                if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                    return -e.errno(); // seccheck's table (or the system's) is full: the fd may well exist
                }
                if (e.errno() != Errno.ESRCH) {
                    return -Errno.EBADF;
                }
                PathCalls.close(threads.remove(tid)); // gone: its number may be another thread's now
                if (!kept) {
                    return -Errno.ESRCH;
                }
            }
        }
    }

    /** {@link #getfd} from process {@code tgid}'s table (its first thread's), for a kernel without thread pidfds. */
    private int getfdOfProcess(int tgid, int fd) {
        counted(pidfds, tgid);
        for (boolean kept = pidfds.containsKey(tgid); ; kept = false) {
            Integer pidfd = pidfds.get(tgid);
            try {
                if (pidfd == null) {
                    pidfd = Syscalls.pidfdOpen(tgid);
                    pidfds.put(tgid, pidfd);
                }
                return Syscalls.pidfdGetfd(pidfd, fd);
            } catch (LinuxException e) {
                if (e.errno() == Errno.EPERM) {
                    return -Errno.EPERM; // as in getfd
                }
                if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                    return -e.errno(); // seccheck's table (or the system's) is full: the fd may well exist
                }
                if (e.errno() != Errno.ESRCH) {
                    return -Errno.EBADF;
                }
                if (pidfd != null) {
                    PathCalls.close(pidfds.remove(tgid));
                }
                if (!kept) {
                    return -Errno.ESRCH;
                }
            }
        }
    }

    /** Closes every fd kept. */
    @Override
    public void close() {
        statuses.values().forEach(PathCalls::close);
        pidfds.values().forEach(PathCalls::close);
        threads.values().forEach(PathCalls::close);
        statuses.clear();
        pidfds.clear();
        threads.clear();
    }
}
