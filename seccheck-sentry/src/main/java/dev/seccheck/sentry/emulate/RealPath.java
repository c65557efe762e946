package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.RESOLVE_NO_SYMLINKS;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.MountStatus;
import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.Mountinfo.Mount;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Poll;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * RealPath names the object behind an fd seccheck opened for a program, as seen from seccheck's
 * own root: the name a rule is matched against. The kernel's name ({@code /proc/self/fd/N}) is
 * taken when the fd's mount is one of seccheck's; a mount only the program sees (a bind mount in
 * the program's own mount namespace) is translated through the program's mountinfo to the path
 * within its filesystem (the mount's root + the path below its mount point, the mount point taken
 * from the namespace's root as the kernel's name is, not from the task's root, which a chroot
 * moves) and then to where seccheck sees that filesystem, a name kept only if walking it from
 * seccheck's root, through no symlink, reaches the same file. A tmpfs or ramfs only the program's namespace has is named as
 * the program sees it for an open: nothing is in it but what the program wrote there. That name is
 * the program's choice (it picks the mount point: a tmpfs over {@code /usr/local/games} makes its
 * own bytes wear a system path), so {@link Name#vouched} withholds it from a rule on what runs or
 * is mapped ({@code binary_path}, {@code mapped_path}). A file on another
 * filesystem seccheck does not see (one the program mounted in a mount namespace of its own: a
 * procfs, an overlay) or on a detached mount ({@code open_tree}, {@code fsmount}) has no name: an
 * open then shows the path the program gave, recorded as missing for the sinks deciding on it; a
 * link or rename (made by seccheck only under such a sink) is refused.
 *
 * <p>The program's mount is told by what the kernel says of the mount itself, statmount(2) of the
 * fd's unique mount id in the task's namespace ({@link MountStatus}): its superblock, its root
 * within its filesystem, and its mount point from the namespace's root. The task's mountinfo is
 * the fallback (a kernel before 6.11): it leaves out every mount whose mount point is outside the
 * task's root, so a task chrooted into a plain directory in a namespace of its own has its copy
 * of / in no table, and its files could not be named. A detached mount (a lazy unmount,
 * {@code open_tree}) is in no namespace's tree, and stays unnamed either way.
 *
 * <p>One instance per thread (the emulation's, the tracer's). seccheck's own mount table is read once and again only
 * when the kernel says it changed (poll on an open /proc/self/mountinfo reports POLLPRI after
 * every mount or unmount in the namespace), so an open costs a readlink, a statx and a poll
 * instead of parsing the table: that parse was most of an emulated open's time. The program's
 * namespaces' tables are kept the same way, by {@link MountTables}.
 */
public final class RealPath {

    /**
     * Filesystems whose every file was made in them (no backing store, no other filesystem's files
     * shown through them, no hard link from elsewhere): tmpfs and ramfs. One that only the
     * program's mount namespace has is named as the program sees it. An overlay, a FUSE or network
     * filesystem, a procfs can show files or data of filesystems seccheck names otherwise (an
     * overlay over /etc), so theirs stay unnamed.
     */
    private static final Set<String> SELF_CONTAINED = Set.of("tmpfs", "ramfs");

    private final PathCalls calls;
    private final Poll poll = new Poll();
    /** Our /proc/self/mountinfo, kept open to be polled for changes; -1 when it could not be opened. */
    private final int watch;
    /** The mount every memfd is on ({@link PathCalls#memfdMountId}); negative when it could not be told. */
    private final long memfdMount;
    private List<Mount> ours;
    private final TaskMounts mounts;

    /** @param calls the calling thread's buffers for the file calls */
    public RealPath(PathCalls calls) {
        this.calls = calls;
        this.mounts = new TaskMounts(calls);
        this.watch = calls.openat(AT_FDCWD, "/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        this.memfdMount = calls.memfdMountId();
    }

    /**
     * The kernel's internal filesystems whose objects no path reaches, only an fd (or the magic
     * link {@code /proc/PID/fd/N} of one): pipefs (a pipe, not a FIFO, which is a file of the
     * filesystem it was made on), sockfs (a socket, not the file a unix socket is bound to),
     * anon_inodefs (an eventfd, an epoll, a signalfd, a timerfd...), pidfs (a pidfd, which the
     * kernel names {@code anon_inode:[pidfd]}) and nsfs (a namespace, {@code /proc/PID/ns/net}'s
     * {@code net:[N]}; one bound on a path seccheck sees, {@code /run/netns/x}, is named by that
     * path first). Told by the superblock, which the program cannot choose, not by the fd link's text.
     */
    private static final Set<Long> PATHLESS = Set.of(0x50495045L /* PIPEFS_MAGIC */, 0x534f434bL /* SOCKFS_MAGIC */,
            0x09041934L /* ANON_INODE_FS_MAGIC */, 0x50494446L /* PID_FS_MAGIC */, 0x6e736673L /* NSFS_MAGIC */);

    /**
     * Whether our fd {@code fd} is of an object on no filesystem a path reaches ({@link #pathless}).
     */
    static boolean onNoFilesystem(PathCalls calls, int fd) {
        return pathless(calls, fd).isPresent();
    }

    /**
     * The kernel's name of the object of our fd {@code fd} when it is on no filesystem a path
     * reaches (a pipe, a socket, an anonymous inode: {@link #PATHLESS}), as its fd link reads:
     * {@code pipe:[N]}, {@code socket:[N]}, {@code anon_inode:[eventfd]}; empty for anything else.
     * Such an object has no path a rule on paths could name: what an open that reaches it is
     * decided on (README, "Opens and connects are performed by seccheck").
     */
    static Optional<String> pathless(PathCalls calls, int fd) {
        if (!PATHLESS.contains(calls.fsType(fd))) {
            return Optional.empty();
        }
        String kernel = calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + fd);
        return kernel == null || kernel.startsWith("/") ? Optional.empty() : Optional.of(kernel);
    }

    /**
     * Why a file of a program's own memory filesystem has no name a rule on what runs or is mapped
     * may be matched against: the missing field's reason.
     */
    public static final String PROGRAMS_OWN = "the file is on a tmpfs or ramfs only the program's mount namespace has:"
            + " the program chose its name there, which no file seen from seccheck's root vouches for";

    /**
     * A file's name as {@link #name} found it.
     *
     * @param path its path: from seccheck's root, or the program's own for a file of a memory
     *     filesystem only the program's mount namespace has
     * @param programsOwn whether {@code path} is that program's own name
     * @param unlinked whether the kernel names the file as one whose name was removed (unlinked,
     *     an O_TMPFILE file, a memfd): {@code path} is then the name it had, without the
     *     kernel's " (deleted)" (a memfd's keeps it, as gVisor's binary_path names one)
     */
    public record Name(String path, boolean programsOwn, boolean unlinked) {
        /**
         * The name a rule on what the program runs or maps may be matched against: none for a file
         * of the program's own memory filesystem. Opens there are sound by name (the file holds
         * only what the program wrote through opens seccheck decided), but an exec or mmap rule
         * decides on the bytes that run, which the program wrote there from anywhere, under a
         * mount point it chose: a tmpfs mounted over {@code /usr/local/games} ran a denied binary
         * as {@code /usr/local/games/evil} under an allow list of {@code /usr/**}.
         */
        public Optional<String> vouched() {
            return programsOwn ? Optional.empty() : Optional.of(path);
        }
    }

    /**
     * Why a file has no name: its path from the root is longer than PATH_MAX. The kernel names no
     * such file (d_path fails with ENAMETOOLONG), though a program reaches it a component at a time.
     */
    public static final String TOO_LONG = "longer than PATH_MAX: the file's path from the root is over 4096 bytes,"
            + " and the kernel names no such file";

    /** Why a file has no name: a mount of the program's own namespace seccheck does not see, or a detached one. */
    public static final String UNSEEN_MOUNT = "on a mount seccheck cannot name: one of the program's own mount"
            + " namespace on a filesystem seccheck does not see, or a detached one";

    /**
     * Returns why our fd {@code fd}, which {@link #name} could not name, has no name:
     * {@link #TOO_LONG} when the kernel says so (ENAMETOOLONG), else {@link #UNSEEN_MOUNT}. Told
     * apart because the remedies differ: a shorter path, or a mount seccheck sees.
     */
    public String whyUnnamed(int fd) {
        return fd >= 0 && calls.readlinkatResult(AT_FDCWD, "/proc/thread-self/fd/" + fd) == -Errno.ENAMETOOLONG
                ? TOO_LONG : UNSEEN_MOUNT;
    }

    /**
     * The line that says why a change to a name or to a file's attributes, from task {@code tid}
     * ({@code comm}), was refused with EACCES: the file at our fd {@code fd} (or its directory) has
     * no path a rule could be checked on ({@link #whyUnnamed}).
     */
    public String refusedUnnamed(String syscall, int tid, String comm, int fd) {
        return "refused " + syscall + " from task " + tid + " (" + comm + "): the name it changes has no path a rule"
                + " could be checked on, the file's or its directory's is " + whyUnnamed(fd) + " (EACCES)";
    }

    /** Returns the path of our fd {@code fd}, opened for task {@code tid}, or empty when it has none we can name. */
    public Optional<String> of(int fd, int tid) {
        return name(fd, tid).map(Name::path);
    }

    /**
     * Returns the name of our fd {@code fd}, opened for task {@code tid}, telling a program's own
     * memory filesystem's name from one seccheck vouches for; empty when it has none we can name.
     */
    public Optional<Name> name(int fd, int tid) {
        try {
            String kernel = calls.readlinkat(AT_FDCWD, "/proc/thread-self/fd/" + fd);
            long mntId = calls.mountId(fd);
            if (kernel == null || mntId < 0) {
                return Optional.empty();
            }
            List<Mount> own = ours();
            if (own.stream().anyMatch(m -> m.id() == mntId)) {
                return kernel.startsWith("/") ? Optional.of(onOwnMount(kernel, fd)) : Optional.empty();
            }
            Optional<Mount> described = described(fd, tid);
            if (described.isPresent()) {
                Optional<Name> named = translated(fd, kernel, described.get().mountPoint(), described.get(), own);
                if (named.isPresent()) {
                    return named;
                }
                // A rename above seccheck's mount point signals nothing (see below): once more.
                own = oursReadAgain();
                described = described(fd, tid);
                return described.isEmpty() ? Optional.empty()
                        : translated(fd, kernel, described.get().mountPoint(), described.get(), own);
            }
            Optional<Mount> theirs = MountTables.ALL.mount(calls, tid, mntId);
            if (theirs.isEmpty()) {
                // A memfd is on no mount a path reaches and holds only what its maker wrote: named as
                // the kernel names it, /memfd:NAME (deleted), as gVisor's binary_path names one. Told
                // by its mount, not its name: a detached mount's files are named from its root, and
                // a program had a kept file bound under "memfd:kept" there named "/memfd:kept".
                return mntId == memfdMount && kernel.startsWith("/memfd:") ? Optional.of(new Name(kernel, false, true))
                        : Optional.empty();
            }
            Optional<Name> named = translated(fd, tid, kernel, theirs.get(), own);
            if (named.isPresent()) {
                return named;
            }
            // The tables are caches, read again when the kernel signals a mount, unmount or move; a
            // rename of a directory above a mount point (the program's, or seccheck's) signals
            // nothing, yet names the mount point anew: read both again once before the file is
            // declared one seccheck cannot name.
            own = oursReadAgain();
            theirs = MountTables.ALL.mountReadAgain(calls, tid, mntId);
            return theirs.isEmpty() ? Optional.empty() : translated(fd, tid, kernel, theirs.get(), own);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The name of our fd {@code fd}, whose kernel name is {@code kernel}, on the program's mount
     * {@code m}, translated to where seccheck sees that filesystem by the mount tables {@code own}
     * (seccheck's) and the program's; empty when it cannot be named with them.
     */
    private Optional<Name> translated(int fd, int tid, String kernel, Mount m, List<Mount> own) {
        // The task's mount table gives mount points from the task's root, the kernel's name is
        // from its namespace's root: a task chrooted into a bind mount of / would otherwise have
        // every file named under that mount point's path too.
        String root = Identity.anchorName(() -> calls.readlinkat(AT_FDCWD, "/proc/" + tid + "/root"));
        if (root == null || !root.startsWith("/")) {
            return Optional.empty();
        }
        return translated(fd, kernel, join(root, m.mountPoint()), m, own);
    }

    /**
     * As above, with the mount point {@code point} of {@code m} taken from the namespace's root,
     * as the kernel's name is. The point only cuts the kernel's name into the mount's part and
     * the path below it; the name kept is built from the mount's root within its filesystem and
     * its device, and must reach the very file ({@link #reaches}), so a mount point the program
     * chose or moved names nothing of its own.
     */
    private Optional<Name> translated(int fd, String kernel, String point, Mount m, List<Mount> own) {
        if (!under(kernel, point)) {
            return Optional.empty();
        }
        if (SELF_CONTAINED.contains(m.type()) && own.stream().noneMatch(o -> o.device().equals(m.device()))) {
            // A memory filesystem only the program's namespace has holds nothing but what was
            // written into it through calls seccheck decided: its name there is the file's for
            // an open, and no more (Name#vouched).
            return kernel.startsWith("/") ? Optional.of(new Name(kernel, true, kernel.endsWith(DELETED)))
                    : Optional.empty();
        }
        Optional<String> name = seen(kernel, point, m, own);
        if (name.isPresent() && reaches(name.get(), fd)) {
            return Optional.of(new Name(name.get(), false, false));
        }
        // A file with no name left (unlinked, O_TMPFILE) reaches by none: named by the name it had,
        // the kernel's, translated as any other. Only a file with no link at all: one whose other
        // names remain is reached by those, and a name the walk cannot confirm is not taken.
        if (!kernel.endsWith(DELETED) || !noLinkLeft(fd)) {
            return Optional.empty();
        }
        return seen(withoutDeleted(kernel), point, m, own).map(had -> new Name(had, false, true));
    }

    /**
     * The name by which seccheck sees {@code kernel}, a path below mount point {@code point} of
     * the program's mount {@code m}: through the mount of the same device whose root holds the
     * path, the one closest to the filesystem's root (its whole-filesystem mount when there is one).
     */
    private static Optional<String> seen(String kernel, String point, Mount m, List<Mount> own) {
        String inFs = join(m.root(), kernel.substring(point.equals("/") ? 0 : point.length()));
        return own.stream()
                .filter(o -> o.device().equals(m.device()) && under(inFs, o.root()))
                .min((a, b) -> Integer.compare(a.root().length(), b.root().length()))
                .map(o -> join(o.mountPoint(), inFs.substring(o.root().equals("/") ? 0 : o.root().length())));
    }

    /** What the kernel appends to the name of a file whose name was removed. */
    private static final String DELETED = " (deleted)";

    /**
     * The name of our fd {@code fd}, whose kernel name (from seccheck's root, on one of seccheck's
     * mounts) is {@code kernel}. A file whose name was removed is named by the name it had: the
     * kernel appends " (deleted)" to it, and a rule on that name (a glob ending in {@code *.bin},
     * an exact name) did not hold for it: a denied binary copied in, opened, unlinked and run by
     * its descriptor ran, and one run by name while another thread unlinked it ran in 49 of 300
     * tries (red-team round 15). The suffix is the kernel's unless a file of that very name is
     * this one.
     */
    private Name onOwnMount(String kernel, int fd) {
        if (kernel.endsWith(DELETED) && !reaches(kernel, fd)) {
            return new Name(withoutDeleted(kernel), false, true);
        }
        return new Name(kernel, false, false);
    }

    private static String withoutDeleted(String kernel) {
        return kernel.substring(0, kernel.length() - DELETED.length());
    }

    /** Whether the file of our fd {@code fd} has no link left (st_nlink 0); false when it cannot be told. */
    private boolean noLinkLeft(int fd) {
        PathCalls.Statx st = calls.statNoSync(fd);
        return st != null && st.stat().nlink() == 0;
    }

    /**
     * The mount our fd {@code fd} (opened for task {@code tid}) is on, as statmount describes it in
     * the task's mount namespace ({@link TaskMounts}), its mount point from that namespace's root;
     * empty when statmount cannot tell (a kernel before 6.11, a mount of another namespace or a
     * detached one).
     */
    private Optional<Mount> described(int fd, int tid) {
        return mounts.of(fd, tid) instanceof TaskMounts.Told.Described(MountStatus.Described d)
                ? Optional.of(new Mount(-1, d.devMajor() + ":" + d.devMinor(), d.root(), d.mountPoint(), d.type(), ""))
                : Optional.empty();
    }

    /**
     * Whether {@code name}, walked from seccheck's root through no symlink, reaches the file of our
     * fd {@code fd} (same device and inode). A name translated from the program's mount table is
     * built from reads the program can race: the table names mount points from the task's root at
     * the moment it is read, and a thread moving the root between two directories (chroot) made
     * another thread's open of a kept file be named as a file of the directory a rule let through,
     * in a fifth of the tries. Walked, a name that is not the file's is found out; through a
     * symlink, a name could reach the file and still not be its own.
     */
    private boolean reaches(String name, int fd) {
        int walked = calls.openat2(AT_FDCWD, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS);
        if (walked < 0) {
            return false;
        }
        try {
            PathCalls.Statx found = calls.statNoSync(walked);
            PathCalls.Statx opened = calls.statNoSync(fd);
            return found != null && opened != null && found.stat().dev() == opened.stat().dev()
                    && found.stat().ino() == opened.stat().ino();
        } finally {
            PathCalls.close(walked);
        }
    }

    /**
     * The device of the filesystem our fd {@code fd} (opened for task {@code tid}) is on, as its
     * mount table names it ({@code major:minor}, encoded as stat's {@code st_dev}): the
     * superblock's, which /proc/PID/maps shows for a mapped file. stat's can differ (a btrfs
     * subvolume reports one of its own); empty when the mount is in neither table.
     */
    public java.util.OptionalLong superblockDevice(int fd, int tid) {
        try {
            long mntId = calls.mountId(fd);
            if (mntId < 0) {
                return java.util.OptionalLong.empty();
            }
            Optional<Mount> m = ours().stream().filter(o -> o.id() == mntId).findFirst();
            if (m.isEmpty()) {
                m = described(fd, tid);
            }
            if (m.isEmpty()) {
                m = MountTables.ALL.mount(calls, tid, mntId);
            }
            if (m.isEmpty()) {
                return java.util.OptionalLong.empty();
            }
            String[] mm = m.get().device().split(":");
            return java.util.OptionalLong.of(PathCalls.encode(Long.parseLong(mm[0]), Long.parseLong(mm[1])));
        } catch (IOException | RuntimeException e) {
            return java.util.OptionalLong.empty();
        }
    }

    /**
     * seccheck's mount table, read again when it changed since the last read. The poll comes
     * after the fd was opened, so a mount the fd is on is in the table returned (an id of ours
     * freed and reused by a detached mount in between would need a privileged unmount in
     * seccheck's own namespace, and also shows as a change).
     */
    private List<Mount> ours() throws IOException {
        if (watch < 0) {
            return Mountinfo.read("/proc/self/mountinfo");
        }
        if (ours == null || (poll.poll(watch, Poll.POLLPRI, 0) & (Poll.POLLPRI | Poll.POLLERR)) != 0) {
            ours = Mountinfo.read("/proc/self/mountinfo");
        }
        return ours;
    }

    /** seccheck's mount table read anew, whatever the poll says (see {@link #name}). */
    private List<Mount> oursReadAgain() throws IOException {
        List<Mount> read = Mountinfo.read("/proc/self/mountinfo");
        if (watch >= 0) {
            ours = read;
        }
        return read;
    }

    /**
     * Whether {@code path} (from seccheck's root) lies on or below one of seccheck's procfs mounts,
     * whose links ({@code /proc/PID/root}, {@code cwd}, {@code fd/N}) lead into another task's
     * root, namespace or files, not down the names they spell; true when the table cannot be read.
     */
    boolean onProcfs(String path) {
        try {
            return ours().stream().anyMatch(m -> m.type().equals("proc") && under(path, m.mountPoint()));
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Closes the watch on our mount table. */
    public void close() {
        PathCalls.close(watch);
    }

    static boolean under(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    static String join(String dir, String rest) {
        if (rest.isEmpty() || rest.equals("/")) {
            return dir;
        }
        return dir.equals("/") ? rest : dir + rest;
    }
}
