package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.Mountinfo.Mount;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.Procfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * MountTables keeps the mount tables of the mount namespaces the program's tasks are in, where the
 * kernel cannot describe a mount of another namespace itself (statmount of a namespace by its id,
 * Linux 6.11; {@link TaskMounts}): for the names of files on mounts only the program sees
 * ({@link RealPath}), the places of procfs mounts ({@link ProcPlaces}), the types of mounts
 * ({@code MountTypes}, before Linux 6.8) and where to look for the mount points a rename or a
 * removal must leave ({@link BusyMountPoints}). A table is a view: a namespace, known by its inode
 * ({@code /proc/TID/ns/mnt}), seen from a root (the task's, by its mount and file: mountinfo names
 * mount points from the reading task's root, and hides what is outside it, so a chrooted task's
 * table is not its namespace's other tasks'). It is read when first asked for and again only when
 * the kernel says the namespace changed: an fd of the mountinfo is kept open and polled (POLLPRI
 * once after each mount or unmount in that namespace), and the table is read through that very
 * fd, which keeps the namespace and root it was opened with, whatever the task does since. Before, the table was read for every open on such a mount: a program in a
 * namespace of its own with 10,000 bind mounts made each of its opens cost seccheck 0.4 s (2 s at
 * 20,000: the kernel writes the whole table for every read), against 2 us natively. At most
 * {@link #KEPT} namespaces are kept, the least recently used dropped first (each fd keeps its
 * namespace alive, so an inode is never another namespace's while kept). Thread-safe: one table
 * is read by one thread at a time, others wait for it.
 */
public final class MountTables {

    /** How many views are kept watched. */
    static final int KEPT = 16;

    /** The one instance of this JVM: namespaces are the kernel's, whichever run's task is asked about. */
    public static final MountTables ALL = new MountTables();

    /** A table as read, and its indexes by mount id and by the last name of the mount point, made when first asked for. */
    private static final class Table {
        final List<Mount> mounts;
        private Map<Integer, Mount> byId;
        private Map<String, List<String>> byLastName;

        Table(List<Mount> mounts) {
            this.mounts = mounts;
        }

        synchronized Optional<Mount> byId(long id) {
            if (byId == null) {
                byId = new HashMap<>(mounts.size() * 2);
                mounts.forEach(m -> byId.put(m.id(), m));
            }
            return Optional.ofNullable(byId.get((int) id));
        }

        synchronized List<String> pointsNamed(String name) {
            if (byLastName == null) {
                byLastName = new HashMap<>(mounts.size() * 2);
                for (Mount m : mounts) {
                    String point = m.mountPoint();
                    String last = point.substring(point.lastIndexOf('/') + 1);
                    if (!last.isEmpty()) {
                        byLastName.computeIfAbsent(last, k -> new ArrayList<>(1)).add(point);
                    }
                }
            }
            return byLastName.getOrDefault(name, List.of());
        }
    }

    /** A view watched: its mountinfo open, and the table as last read (null before the first read). */
    private static final class Watched {
        final int fd;
        Table table;
        boolean closed;

        Watched(int fd) {
            this.fd = fd;
        }
    }

    /** A namespace's inode, and a root in it: the root's unique mount id, device and inode. */
    private record View(long ns, long rootMount, long rootDev, long rootIno) {}

    private final Map<View, Watched> byView = new LinkedHashMap<>(KEPT * 2, 0.75f, true);

    private MountTables() {}

    /**
     * The mount table of task {@code tid}'s mount namespace as the task sees it, through
     * {@code calls} (the calling thread's buffers). Fails when the task is gone or its namespace
     * cannot be told.
     */
    public List<Mount> of(PathCalls calls, int tid) throws IOException {
        return table(calls, tid, false).mounts;
    }

    /** The mount {@code mntId} (mountinfo's id) of that table ({@link #of}); empty when it has none of that id. */
    public Optional<Mount> mount(PathCalls calls, int tid, long mntId) throws IOException {
        return table(calls, tid, false).byId(mntId);
    }

    /**
     * The mount points of that table ({@link #of}) whose last component is {@code name}, as the
     * table names them (from the task's root, when it was last read): where to look for a mount
     * point of that name in the task's namespace ({@link BusyMountPoints}).
     */
    public List<String> pointsNamed(PathCalls calls, int tid, String name) throws IOException {
        return table(calls, tid, false).pointsNamed(name);
    }

    /**
     * As {@link #mount}, from the table read anew whatever the poll says: a rename of a directory
     * above a mount point raises no event, yet changes the mount point the text gives (mount
     * points are named as the file is read), so a name built from the kept table can fail to be
     * the file's; the caller asks this once before it gives up naming the file.
     */
    public Optional<Mount> mountReadAgain(PathCalls calls, int tid, long mntId) throws IOException {
        return table(calls, tid, true).byId(mntId);
    }

    private Table table(PathCalls calls, int tid, boolean again) throws IOException {
        View view = view(calls, tid);
        Watched w = watched(calls, tid, view);
        if (w == null) {
            // The task moved to another namespace or root as its table was opened: read as it is now, once.
            return new Table(Mountinfo.read("/proc/" + tid + "/mountinfo"));
        }
        synchronized (w) {
            if (w.closed) {
                return new Table(Mountinfo.read("/proc/" + tid + "/mountinfo"));
            }
            if (w.table == null || changed(w.fd) || again) {
                w.table = new Table(Mountinfo.parse(readAll(calls, w.fd).lines().toList()));
            }
            return w.table;
        }
    }

    /** The view task {@code tid} has of its mounts: its namespace and its root. */
    private static View view(PathCalls calls, int tid) throws IOException {
        String link = Identity.anchorName(() -> calls.readlinkat(AT_FDCWD, "/proc/" + tid + "/ns/mnt"));
        OptionalLong namespace = Procfs.namespaceInode(link, "mnt");
        if (namespace.isEmpty()) {
            throw new IOException("the mount namespace of task " + tid + " cannot be told");
        }
        int root = Identity.anchor(() -> calls.openat(AT_FDCWD, "/proc/" + tid + "/root", O_PATH | O_CLOEXEC));
        if (root < 0) {
            throw new IOException("the root of task " + tid + " cannot be told");
        }
        try {
            PathCalls.Statx sx = calls.statNoSync(root);
            if (sx == null) {
                throw new IOException("the root of task " + tid + " cannot be told");
            }
            return new View(namespace.getAsLong(), sx.uniqueMountId(), sx.stat().dev(),
                    sx.stat().ino());
        } finally {
            PathCalls.close(root);
        }
    }

    /** The watch of {@code view}, opened through task {@code tid} if new; null when the task's view changed meanwhile. */
    private Watched watched(PathCalls calls, int tid, View view) throws IOException {
        synchronized (this) {
            Watched w = byView.get(view);
            if (w != null) {
                return w;
            }
        }
        int fd = calls.openat(AT_FDCWD, "/proc/" + tid + "/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open the mount table of task " + tid + ": errno " + -fd);
        }
        if (!view(calls, tid).equals(view)) {
            PathCalls.close(fd);
            return null;
        }
        changed(fd); // seen from now on: a change after this poll shows at the next one
        synchronized (this) {
            Watched w = byView.get(view);
            if (w != null) {
                PathCalls.close(fd); // another thread opened it first
                return w;
            }
            w = new Watched(fd);
            byView.put(view, w);
            if (byView.size() > KEPT) {
                View eldest = byView.keySet().iterator().next();
                close(byView.remove(eldest));
            }
            return w;
        }
    }

    private static void close(Watched w) {
        synchronized (w) {
            w.closed = true;
            PathCalls.close(w.fd);
        }
    }

    /** Whether the namespace of mountinfo fd {@code fd} changed since its last poll (or the poll failed). */
    private static boolean changed(int fd) {
        try {
            return (new Poll().poll(fd, Poll.POLLPRI, 0) & (Poll.POLLPRI | Poll.POLLERR)) != 0;
        } catch (LinuxException e) {
            return true;
        }
    }

    /**
     * The whole of the /proc file {@code fd} is open on, read from its start; a name's bytes that
     * are no UTF-8 kept as {@link FileNames} keeps them, as the kernel's names of files are read.
     */
    private static String readAll(PathCalls calls, int fd) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (long off = 0; ; ) {
            int n = calls.pread(fd, buf, off);
            if (n < 0) {
                throw new IOException("cannot read a mount table: errno " + -n);
            }
            if (n == 0) {
                return FileNames.decode(out.toByteArray(), 0, out.size());
            }
            out.write(buf, 0, n);
            off += n;
        }
    }
}
