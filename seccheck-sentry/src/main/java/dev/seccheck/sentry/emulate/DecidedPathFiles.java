package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SocketCalls;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DecidedPathFiles remembers, for one run, the objects (device, inode and, where the filesystem
 * keeps one, birth time) that seccheck decided an
 * O_PATH open on before it let the kernel make that open from the program's memory: seccheck cannot
 * install an O_PATH file (ADDFD refuses them), so the kernel reads the path again, and a second
 * thread rewriting it meanwhile gets an O_PATH file of another object. That file reads nothing, but
 * every open the program makes through it (its {@code /proc/self/fd/N}, a name relative to it)
 * comes back to the emulation, which decided that reopen on its object only: red-team round 20
 * raced {@code open("/proc/PID/fd/3", O_PATH)} of a process outside the run against a harmless name
 * and read, through the O_PATH file it got, the deleted file and the pipe that process held
 * (660 of 3,000 opens, as root and as uid 65534), where the direct open is refused. So a walk
 * through a descriptor's magic link to a file of the program's that is O_PATH, and a call that
 * names such a file itself (an empty path with AT_EMPTY_PATH: linkat, open_tree, fchownat), go on
 * only where that file's object is one decided so; anything else is refused with EACCES: an O_PATH
 * file that came from outside the run (over a unix socket) or from before a rule on opening files,
 * or whose object was forgotten past {@link #MOST} others. The birth time is part of an object's
 * name because ext4 gives a freed inode number to the next file made at once: red-team round 21 had
 * its own files' O_PATH opens decided and removed them, and a file the outside process made later
 * got one of their numbers and was reopened (671-778 reads a run); on a filesystem that keeps no
 * birth time (procfs and pipes, whose numbers come from a process and a counter; an ext4 made with
 * small inodes) an object is named by device and inode alone. The kernel makes chdir, fchdir and
 * chroot from the program's memory as well: the directory a task has after one must be the one
 * decided or one of these ({@link DirectoryChanges}).
 * A name is walked below an O_PATH directory of no decision only where the directory's own name
 * reaches it, or it is on a detached tree (OPEN_TREE_CLONE's, fsmount's, which seccheck does not
 * hold) and names below it are decided by {@code on_missing} ({@link PathWalk#refusalBelow}).
 */
public final class DecidedPathFiles {
    /** The most objects remembered; the least recently used one is forgotten past them. */
    static final int MOST = 1 << 16;

    private record Key(long dev, long ino, long birth) {}

    /** An empty record, for one run: the emulation of opens and the tracer's decisions on directory changes share it. */
    public DecidedPathFiles() {}

    private final Map<Key, Boolean> decided = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
            return size() > MOST;
        }
    };

    /** Remembers the object our fd {@code fd} is of: an O_PATH open of it was decided, and the kernel is to make it. */
    void made(PathCalls calls, int fd) {
        Key k = key(calls, fd);
        if (k != null) {
            synchronized (this) {
                decided.put(k, Boolean.TRUE);
            }
        }
    }

    /** Whether an O_PATH open of the object our fd {@code fd} is of was decided and let be made. */
    boolean decided(PathCalls calls, int fd) {
        Key k = key(calls, fd);
        if (k == null) {
            return false;
        }
        synchronized (this) {
            return decided.get(k) != null;
        }
    }

    /**
     * The name of the object our fd {@code fd} is of (device, inode, birth time), as this record
     * names objects, for a caller to compare with another; null when it cannot be told.
     */
    static Object objectOf(PathCalls calls, int fd) {
        return key(calls, fd);
    }

    /** The name of the object {@code fd} is of; null when it cannot be told. */
    private static Key key(PathCalls calls, int fd) {
        PathCalls.Stat st = calls.fstat(fd);
        return st == null ? null : new Key(st.dev(), st.ino(), calls.birthNs(fd));
    }

    /**
     * 0 when a walk may start at our copy {@code fd} of a file of the program's: it is no O_PATH
     * file, or one whose object was decided; EACCES otherwise.
     */
    int refusalOfStart(PathCalls calls, int fd) {
        long flags = SocketCalls.statusFlags(fd);
        return flags >= 0 && (flags & O_PATH) == 0 || decided(calls, fd) ? 0 : Errno.EACCES;
    }

    /** Whether the status flags {@code flags} of a file (its fdinfo's "flags:", octal) hold O_PATH. */
    static boolean isPath(long flags) {
        return flags >= 0 && (flags & O_PATH) != 0;
    }
}
