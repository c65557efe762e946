package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * ProcPlaces tells where an object of a procfs lies in that procfs: the names from its root to the
 * object ({@code 123}, {@code task}, {@code 124}, {@code environ}), whatever names, mounts or
 * descriptors reached it. A mount can show any part of a procfs anywhere (a bind mount of
 * /proc/PID or of one of its files, open_tree then move_mount, one over the program's own
 * /proc/PID), so neither the path the program gave nor the one the kernel gives for our fd
 * ({@code /proc/self/fd/N}, which names mount points the program chose) says which process's
 * entry it is. What does: the root of the object's mount within its filesystem (statmount's, of
 * the mount's unique id in the task's namespace: {@link #mountRoot}) and the names from that root
 * down to the object.
 *
 * <p>Those names are read climbing with ".." within the object's mount: each step's name is what
 * the kernel's path of the child adds to its parent's, one component, so that a mount moved
 * between the two readings can only make the step fail (two components, or none), never name
 * another entry. A file cannot be climbed from: its place is a candidate (its mount's root and the
 * last names of its path) that opening the same name in seccheck's own /proc shows to be the very
 * file (same device and inode). Whatever cannot be told this way has no place (null): the caller
 * refuses it.
 */
final class ProcPlaces {

    /** procfs's root directory's inode number. */
    static final long PROC_ROOT_INO = 1;
    /** Deeper than any procfs tree (/proc/PID/task/TID/net/dev_snmp6/IF, /proc/sys/net/ipv4/conf/IF/...). */
    private static final int MAX_DEPTH = 16;
    /** How many ".." a climb to a procfs's root takes at most: its depth, and mounts of its parts within it. */
    private static final int MAX_CLIMB = 64;
    private static final String DELETED = " (deleted)";

    private final PathCalls calls;
    private final TaskMounts mounts;

    ProcPlaces(PathCalls calls) {
        this.calls = calls;
        this.mounts = new TaskMounts(calls);
    }

    /**
     * The names from its procfs's root to the object of our fd {@code fd} (empty for the root), as
     * task {@code tid}'s mount namespace places the mounts; null when that cannot be told. {@code ownProc}
     * is the device of seccheck's own /proc, against which a file's place is checked.
     */
    Deque<String> of(int fd, int tid, long ownProc) {
        PathCalls.Statx sx = calls.statNoSync(fd);
        if (sx == null) {
            return null;
        }
        if (sx.stat().isDirectory()) {
            return ofDirectory(fd, sx, tid);
        }
        return ofFile(fd, sx, tid, ownProc);
    }

    /**
     * The names from its procfs's root to the root of the mount our fd {@code fd} is on, as the
     * kernel holds that mount in task {@code tid}'s namespace ({@link TaskMounts}); null when it
     * cannot be told (a mount of another namespace, a detached one) or its root is a deleted
     * entry. Only where the kernel cannot be asked (before Linux 6.11) is the task's mountinfo
     * read instead, which leaves out a mount outside the task's root: that mount is then refused.
     */
    Deque<String> mountRoot(int fd, int tid) {
        String root = switch (mounts.of(fd, tid)) {
            case TaskMounts.Told.Described d -> d.mount().root();
            case TaskMounts.Told.Unnamed u -> null;
            case TaskMounts.Told.Unaskable u -> rootInTable(fd, tid);
        };
        if (root == null || !root.startsWith("/") || root.endsWith("//deleted")) {
            return null;
        }
        return names(root);
    }

    /** The root of the mount our fd {@code fd} is on, from task {@code tid}'s mountinfo; null when not there. */
    private String rootInTable(int fd, int tid) {
        long id = calls.mountId(fd);
        if (id < 0) {
            return null;
        }
        try {
            return MountTables.ALL.mount(calls, tid, id).map(Mountinfo.Mount::root).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private Deque<String> ofDirectory(int fd, PathCalls.Statx sx, int tid) {
        Deque<String> names = new ArrayDeque<>();
        long mount = mountOf(fd, sx);
        int cur = calls.openat(fd, ".", O_PATH | O_CLOEXEC);
        PathCalls.Statx here = sx;
        try {
            for (int depth = 0; depth < MAX_DEPTH && cur >= 0; depth++) {
                if (here.stat().ino() == PROC_ROOT_INO) {
                    return names;
                }
                int parent = calls.openat(cur, "..", O_PATH | O_CLOEXEC);
                PathCalls.Statx up = parent < 0 ? null : calls.statNoSync(parent);
                if (up == null) {
                    PathCalls.close(parent);
                    return null;
                }
                boolean top = mountOf(parent, up) != mount
                        || (up.stat().dev() == here.stat().dev() && up.stat().ino() == here.stat().ino());
                if (top) {
                    // cur is its mount's root: the mount's root within the procfs comes first.
                    PathCalls.close(parent);
                    Deque<String> root = mountRoot(cur, tid);
                    if (root == null) {
                        return null;
                    }
                    root.addAll(names);
                    return root;
                }
                String name = childName(cur, parent);
                PathCalls.close(cur);
                cur = parent;
                here = up;
                if (name == null) {
                    return null;
                }
                names.addFirst(name);
            }
            return null;
        } finally {
            PathCalls.close(cur);
        }
    }

    /**
     * A file's place: its mount's root followed by the last {@code k} names of the kernel's path
     * of it, for the first {@code k} from 0 whose name in seccheck's /proc is this very file.
     */
    private Deque<String> ofFile(int fd, PathCalls.Statx sx, int tid, long ownProc) {
        if (sx.stat().dev() != ownProc) {
            return null;
        }
        Deque<String> root = mountRoot(fd, tid);
        String path = calls.readlinkat(AT_FDCWD, "/proc/self/fd/" + fd);
        if (root == null || path == null || !path.startsWith("/") || path.endsWith(DELETED)) {
            return null;
        }
        String[] parts = names(path).toArray(String[]::new);
        for (int k = 0; k <= Math.min(parts.length, MAX_DEPTH); k++) {
            Deque<String> candidate = new ArrayDeque<>(root);
            for (int i = parts.length - k; i < parts.length; i++) {
                candidate.add(parts[i]);
            }
            if (!candidate.isEmpty() && isThisFile(candidate, sx.stat())) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether {@code place}, named in seccheck's /proc, is the file whose stat is {@code st}. */
    private boolean isThisFile(Deque<String> place, PathCalls.Stat st) {
        int fd = calls.openat(AT_FDCWD, "/proc/" + String.join("/", place), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        try {
            PathCalls.Stat there = calls.fstat(fd);
            return there != null && there.dev() == st.dev() && there.ino() == st.ino();
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * Our O_PATH fd of the root of the procfs our fd {@code fd} (a directory of it) is of, or a
     * negative errno when that root is not above it. Found climbing "..", across mounts, while each
     * directory is of that very procfs (the same device: one superblock, so procfs's magic too):
     * its directory of inode 1. Any other directory of inode 1 (a tmpfs's root, say, holding a part
     * of the procfs mounted by the program) is no root of it; a climb that leaves the procfs first
     * (a part of it mounted on another filesystem) finds none (ENOENT).
     */
    int rootOf(int fd) {
        PathCalls.Stat st = calls.fstat(fd);
        if (st == null || !st.isDirectory()) {
            return -Errno.ENOTDIR;
        }
        long procfs = st.dev();
        int cur = calls.openat(fd, ".", O_PATH | O_CLOEXEC);
        PathCalls.Stat here = st;
        for (int steps = 0; cur >= 0 && steps < MAX_CLIMB; steps++) {
            if (here.ino() == PROC_ROOT_INO) {
                return cur;
            }
            int parent = calls.openat(cur, "..", O_PATH | O_CLOEXEC);
            PathCalls.Stat up = parent < 0 ? null : calls.fstat(parent);
            PathCalls.close(cur);
            if (up == null || up.dev() != procfs || up.ino() == here.ino()) {
                PathCalls.close(parent);
                return -Errno.ENOENT;
            }
            cur = parent;
            here = up;
        }
        PathCalls.close(cur);
        return cur < 0 ? cur : -Errno.ELOOP;
    }

    /**
     * The name of {@code child} in {@code parent} (both ours, on the same mount): what the kernel's
     * path of the child adds to its parent's, when that is one component; else null.
     */
    private String childName(int child, int parent) {
        String c = calls.readlinkat(AT_FDCWD, "/proc/self/fd/" + child);
        String p = calls.readlinkat(AT_FDCWD, "/proc/self/fd/" + parent);
        if (c == null || p == null || c.endsWith(DELETED) || p.endsWith(DELETED)) {
            return null;
        }
        String prefix = p.endsWith("/") ? p : p + "/";
        if (!c.startsWith(prefix)) {
            return null;
        }
        String name = c.substring(prefix.length());
        return name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..") ? null : name;
    }

    /** The mount our fd {@code fd} (statx {@code sx}) is on: its unique id, else mountinfo's. */
    private long mountOf(int fd, PathCalls.Statx sx) {
        return sx.uniqueMountId() > 0 ? sx.uniqueMountId() : calls.mountId(fd);
    }

    private static Deque<String> names(String path) {
        Deque<String> out = new ArrayDeque<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
