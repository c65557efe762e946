package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_EACCESS;
import static dev.seccheck.abi.Fcntl.AT_EMPTY_PATH;
import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.AT_SYMLINK_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.RENAME_EXCHANGE;
import static dev.seccheck.abi.Fcntl.RENAME_NOREPLACE;
import static dev.seccheck.abi.Fcntl.RESOLVE_CACHED;
import static dev.seccheck.abi.Fcntl.RESOLVE_IN_ROOT;
import static dev.seccheck.abi.Fcntl.RESOLVE_NO_SYMLINKS;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * BusyMountPoints gives a rename, rmdir or unlink seccheck makes for a task the kernel's answer
 * when a name it takes is a mount point of the task's mount namespace: EBUSY, after the errors the
 * kernel finds first. The kernel refuses to rename, remove or rename over a dentry a mount of the
 * caller's namespace sits on ({@code is_local_mountpoint} in vfs_rename, vfs_rmdir, vfs_unlink),
 * while a rename over (or a removal of) one only other namespaces' mounts sit on is made, and
 * detaches those mounts ({@code detach_mounts}). seccheck's thread makes the call, and it is in
 * seccheck's namespace, where a program's own mounts are none: under a policy, a program in a
 * mount namespace of its own (a container, {@code unshare -m}) renamed its mount points, and a
 * rename over one detached the mount, a locked one too (a mount its user namespace inherited,
 * which it may not unmount and which may mask files).
 *
 * <p>A name is told a mount point of the task's namespace when a mount sits on it there: one the
 * lookup of the name from our fd of its directory crosses, placed in the task's namespace by its
 * unique id (statmount, {@link TaskMounts}); or one the task's mount table ({@link MountTables})
 * has on the same directory reached by another name (a bind mount of it made before the mount:
 * the kernel asks about the dentry, whatever mount it was reached through). A mount the table
 * names by a path that no longer leads to it (hidden by a mount above it, a directory above it
 * renamed since the table was read) or that is outside a chrooted task's root is not found by
 * that other name; such a mount is not a locked one (the kernel binds a directory holding a
 * locked mount only with it, and its copy is locked too, so its other names are covered and
 * found the first way). When the task shares seccheck's namespace the kernel's own check is the
 * task's, and nothing is asked. A mount point of seccheck's namespace that the task's lacks (one
 * the program unmounted in its own) stays busy: the kernel checks seccheck's namespace too.
 *
 * <p>The kernel's order: a rename between two mounts is EXDEV, on a read-only mount EROFS, then
 * the names are looked up (ENOENT, EEXIST under RENAME_NOREPLACE, ENOTDIR for trailing slashes),
 * a name renamed to itself is no change (0), then write and search permission on the directories
 * (EACCES), the types of the two files (ENOTDIR, EISDIR), write permission on a directory moved
 * to another (EACCES), and only then EBUSY; ENOTEMPTY comes after it. These are asked of the
 * kernel with the program's credentials (faccessat2 with AT_EACCESS). What the kernel asks of
 * the file under a mount itself (its owner in a sticky directory, its immutable flag, EPERM) is
 * not seen from above the mount, and the answer there is EBUSY. One per emulation thread: it
 * uses that thread's {@link PathCalls}.
 */
final class BusyMountPoints {

    /** What is known of whether a name is a mount point of a task's namespace. */
    enum Told { NO, YES, UNTOLD }

    private static final int W_OK = 2;
    private static final int X_OK = 1;

    private final PathCalls calls;
    private final TaskMounts mounts;
    private final Consumer<String> log;
    /** The mount namespace of this thread (seccheck's), as /proc names it; read when first needed. */
    private String ours;

    BusyMountPoints(PathCalls calls, Consumer<String> log) {
        this.calls = calls;
        this.mounts = new TaskMounts(calls);
        this.log = log;
    }

    /**
     * The answer to a rename of {@code source} in our fd {@code oldDir} to {@code target} in
     * {@code newDir} with {@code flags} when either name is a mount point of the task's namespace
     * (the errno the kernel gives the task natively, negated); 0 when neither is, and the kernel
     * is to make the call. Fails closed (EPERM, with a line) when that cannot be told.
     */
    int rename(Call call, String syscall, int oldDir, NameEmulation.Split source, int newDir,
            NameEmulation.Split target, int flags) {
        if (!source.plain() || !target.plain()) {
            return 0; // ".", ".." and "/": the kernel answers (EBUSY, EINVAL, ENOTEMPTY) before any look-up
        }
        Told from = of(call, oldDir, source.name());
        Told to = from == Told.UNTOLD ? Told.UNTOLD : of(call, newDir, target.name());
        if (from == Told.UNTOLD || to == Told.UNTOLD) {
            return untold(call, syscall, from == Told.UNTOLD ? source : target);
        }
        if (from == Told.NO && to == Told.NO) {
            return 0;
        }
        PathCalls.Statx oldAt = calls.statNoSync(oldDir);
        PathCalls.Statx newAt = calls.statNoSync(newDir);
        if (oldAt == null || newAt == null) {
            return untold(call, syscall, source);
        }
        if (!sameMount(oldAt, oldDir, newAt, newDir)) {
            return -Errno.EXDEV;
        }
        if (calls.readOnly(oldDir)) {
            return -Errno.EROFS;
        }
        boolean exchange = (flags & RENAME_EXCHANGE) != 0;
        PathCalls.Stat moved = calls.lstatAt(oldDir, source.name());
        PathCalls.Stat over = calls.lstatAt(newDir, target.name());
        if (moved == null) {
            return -Errno.ENOENT;
        }
        if ((flags & RENAME_NOREPLACE) != 0 && over != null) {
            return -Errno.EEXIST;
        }
        if (exchange && over == null) {
            return -Errno.ENOENT;
        }
        boolean slashedFrom = !source.last().equals(source.name());
        boolean slashedTo = !target.last().equals(target.name());
        if (exchange && !over.isDirectory() && slashedTo) {
            return -Errno.ENOTDIR;
        }
        if (!moved.isDirectory() && (slashedFrom || (!exchange && slashedTo))) {
            return -Errno.ENOTDIR;
        }
        if (same(oldAt.stat(), newAt.stat()) && source.name().equals(target.name())) {
            return 0; // the same dentry: vfs_rename changes nothing and answers 0, as the kernel's call here will
        }
        int r = writable(oldDir);
        if (r == 0 && !exchange && over != null) {
            r = writable(newDir);
            if (r == 0 && moved.isDirectory() != over.isDirectory()) {
                r = moved.isDirectory() ? -Errno.ENOTDIR : -Errno.EISDIR;
            }
        } else if (r == 0) {
            r = writable(newDir);
        }
        if (r == 0 && !same(oldAt.stat(), newAt.stat())) {
            // A directory moved to another parent has its ".." rewritten: the kernel asks for write
            // permission on it. Under a mount that is the file below the mount, not seen here.
            if (moved.isDirectory() && from == Told.NO) {
                r = calls.accessAt(oldDir, source.name(), W_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW);
            }
            if (r == 0 && exchange && over.isDirectory() && to == Told.NO) {
                r = calls.accessAt(newDir, target.name(), W_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW);
            }
        }
        return r != 0 ? r : -Errno.EBUSY;
    }

    /**
     * The answer to an rmdir ({@code directory}) or unlink of {@code name} in our fd {@code dir}
     * when it is a mount point of the task's namespace, as {@link #rename} answers.
     */
    int remove(Call call, String syscall, int dir, NameEmulation.Split name, boolean directory) {
        if (!name.plain()) {
            return 0;
        }
        Told told = of(call, dir, name.name());
        if (told == Told.UNTOLD) {
            return untold(call, syscall, name);
        }
        if (told == Told.NO) {
            return 0;
        }
        if (calls.readOnly(dir)) {
            return -Errno.EROFS;
        }
        PathCalls.Stat st = calls.lstatAt(dir, name.name());
        if (st == null) {
            return -Errno.ENOENT;
        }
        if (!directory && !name.last().equals(name.name())) {
            return st.isDirectory() ? -Errno.EISDIR : -Errno.ENOTDIR; // unlink("d/") looks no further
        }
        int r = writable(dir);
        if (r != 0) {
            return r;
        }
        if (directory != st.isDirectory()) {
            return directory ? -Errno.ENOTDIR : -Errno.EISDIR;
        }
        return -Errno.EBUSY;
    }

    /**
     * Whether {@code name} in our fd {@code dir} (a directory the walk of the task's name reached)
     * is a mount point of task {@code tid}'s mount namespace.
     */
    Told of(Call call, int dir, String name) {
        int tid = call.tid();
        String theirs = Identity.anchorName(() -> calls.readlinkat(AT_FDCWD, "/proc/" + tid + "/ns/mnt"));
        if (theirs == null) {
            return Told.UNTOLD;
        }
        if (ours == null) {
            ours = calls.readlinkat(AT_FDCWD, "/proc/thread-self/ns/mnt");
        }
        if (theirs.equals(ours)) {
            return Told.NO; // the kernel's call looks at the task's namespace itself
        }
        PathCalls.Statx at = calls.statNoSync(dir);
        if (at == null) {
            return Told.UNTOLD;
        }
        boolean unique = at.uniqueMountId() > 0;
        long here = unique ? at.uniqueMountId() : calls.mountId(dir);
        long there = calls.mountIdAt(dir, name, unique);
        if (there == -Errno.ENOENT || there == -Errno.ENOTDIR || there == -Errno.EACCES
                || there == -Errno.ENAMETOOLONG) {
            return Told.NO; // no such name, or none the kernel's call will find: it answers so
        }
        if (here < 0 || there < 0) {
            return Told.UNTOLD;
        }
        if (there != here) {
            Told placed = placed(tid, dir, name, unique, there);
            if (placed != Told.NO) {
                return placed;
            }
        }
        return byAnotherName(call, at.stat(), name);
    }

    /**
     * Whether the mount {@code mount} that sits on {@code name} in our fd {@code dir} is one of
     * task {@code tid}'s namespace (a directory of another namespace's mount, reached through a
     * descriptor the task got from there, is not).
     */
    private Told placed(int tid, int dir, String name, boolean unique, long mount) {
        TaskMounts.Told told = mounts.mount(unique ? mount : -1, tid);
        return switch (told) {
            case TaskMounts.Told.Described _ -> Told.YES;
            case TaskMounts.Told.Unnamed _ -> Told.NO;
            case TaskMounts.Told.Unaskable _ -> {
                // Before Linux 6.11: the task's table, by mountinfo's id of the mount.
                long old = unique ? calls.mountIdAt(dir, name, false) : mount;
                try {
                    yield old >= 0 && MountTables.ALL.mount(calls, tid, old).isPresent() ? Told.YES : Told.UNTOLD;
                } catch (IOException e) {
                    yield Told.UNTOLD;
                }
            }
        };
    }

    /**
     * Whether a mount of the task's table sits on {@code name} in the directory {@code dir} (its
     * stat) reached by another name: the table's mount points named so whose directory, walked
     * from the task's root, is that one. On the notifier the walk takes only what the kernel holds
     * in its dentry cache (RESOLVE_CACHED: the directories above a mount point are held there),
     * so no filesystem is asked; a walk the cache cannot finish finds nothing.
     */
    private Told byAnotherName(Call call, PathCalls.Stat dir, String name) {
        int tid = call.tid();
        long resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | (call.onNotifier() ? RESOLVE_CACHED : 0);
        return Identity.asOwn(() -> {
            List<String> points;
            try {
                points = MountTables.ALL.pointsNamed(calls, tid, name);
            } catch (IOException e) {
                return Told.UNTOLD;
            }
            if (points.isEmpty()) {
                return Told.NO;
            }
            int root = calls.openat(AT_FDCWD, "/proc/" + tid + "/root", O_PATH | O_CLOEXEC);
            if (root < 0) {
                return Told.UNTOLD;
            }
            try {
                for (String point : points) {
                    String parent = point.substring(0, point.lastIndexOf('/'));
                    int up = calls.openat2(root, parent.isEmpty() ? "." : parent.substring(1),
                            O_PATH | O_DIRECTORY | O_CLOEXEC, 0, resolve);
                    if (up < 0) {
                        continue; // not where the table says any more
                    }
                    try {
                        PathCalls.Statx st = calls.statNoSync(up);
                        if (st == null || !same(st.stat(), dir)) {
                            continue;
                        }
                        boolean unique = st.uniqueMountId() > 0;
                        long here = unique ? st.uniqueMountId() : calls.mountId(up);
                        long there = calls.mountIdAt(up, name, unique);
                        if (here >= 0 && there >= 0 && there != here) {
                            return Told.YES;
                        }
                    } finally {
                        PathCalls.close(up);
                    }
                }
                return Told.NO;
            } finally {
                PathCalls.close(root);
            }
        });
    }

    /**
     * Write and search permission on our fd {@code dir} of a directory, with the calling thread's
     * credentials (the program's): 0 or -errno.
     */
    private int writable(int dir) {
        return calls.accessAt(dir, "", W_OK | X_OK, AT_EACCESS | AT_EMPTY_PATH);
    }

    /** Whether our fds {@code aFd} and {@code bFd} are on the same mount, as the kernel's rename asks (else EXDEV). */
    private boolean sameMount(PathCalls.Statx a, int aFd, PathCalls.Statx b, int bFd) {
        if (a.uniqueMountId() > 0 && b.uniqueMountId() > 0) {
            return a.uniqueMountId() == b.uniqueMountId();
        }
        return calls.mountId(aFd) == calls.mountId(bFd);
    }

    private static boolean same(PathCalls.Stat a, PathCalls.Stat b) {
        return a.dev() == b.dev() && a.ino() == b.ino();
    }

    /** Fails closed a call whose name is not told a mount point of the task's namespace or not: -EPERM, a line. */
    private int untold(Call call, String syscall, NameEmulation.Split name) {
        log.accept("refused " + syscall + " from task " + call.tid() + " (" + call.comm() + "): whether "
                + name.name() + " is a mount point of its mount namespace cannot be told (EPERM)");
        return -Errno.EPERM;
    }
}
