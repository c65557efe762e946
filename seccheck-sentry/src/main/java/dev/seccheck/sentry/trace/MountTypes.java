package dev.seccheck.sentry.trace;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;

import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.emulate.LocalFilesystems;
import dev.seccheck.sentry.emulate.MountTables;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * MountTypes says whether the file a /proc link leads to is on a filesystem whose lookups and
 * reads answer from local state, without asking that filesystem: not FUSE (a process of the run
 * can serve it and leave any request unanswered, a thread of seccheck's included, which then
 * cannot even be killed), a network filesystem or autofs ({@link #LOCAL}). The mount's filesystem
 * is the kernel's record of it (statmount, {@link LocalFilesystems}); before Linux 6.8, the type
 * that the task's namespace's table ({@link MountTables}) gives the mount's id. That table is
 * filtered by the task's root, so a mount outside a chrooted task's root is missing from it: such
 * a file is then taken as not local (fail closed). Thread-safe.
 */
final class MountTypes {

    /**
     * The types whose lookups and reads answer from local state, as mountinfo names them: disk
     * and memory filesystems, and the kernel's own. Not fuse (nor fuse.*), nfs, cifs, smb3, 9p,
     * ceph, afs, autofs or any type not listed.
     */
    static final Set<String> LOCAL = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs",
            "tmpfs", "ramfs", "overlay", "squashfs", "erofs", "vfat", "msdos", "exfat", "iso9660", "udf", "proc",
            "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "mqueue", "hugetlbfs", "debugfs", "tracefs",
            "securityfs", "pstore", "bpf", "configfs", "fusectl", "binfmt_misc", "nsfs", "efivarfs", "selinuxfs",
            "rpc_pipefs", "nfsd", "zfs");

    private final PathCalls calls = new PathCalls();

    /**
     * Whether the file {@code magicLink} leads to (a /proc link such as {@code /proc/PID/exe} or
     * {@code /proc/PID/fd/N}, which reaches its file without a lookup in the file's filesystem) is
     * on a mount of a local type. The link is opened O_PATH and its mount's filesystem told from
     * the mount's unique id (statx, statmount: {@link LocalFilesystems}), which asks no filesystem;
     * before Linux 6.8, by its id in task {@code tid}'s namespace. False when any of that fails.
     */
    synchronized boolean onLocalMount(int tid, String magicLink) {
        return look(tid, magicLink).local();
    }

    /**
     * What a look at a /proc link found: whether its file is on a local mount, and then its stat,
     * statx's without sync, which on a local filesystem is stat's.
     */
    record Look(boolean local, PathCalls.Stat stat) {}

    /** {@link #onLocalMount}, with the file's stat when it is local: one open of the link for both. */
    synchronized Look look(int tid, String magicLink) {
        int fd = calls.openat(AT_FDCWD, magicLink, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            return new Look(false, null);
        }
        try {
            PathCalls.Statx sx = calls.statNoSync(fd);
            boolean local = local(tid, fd, sx);
            return new Look(local, local && sx != null ? sx.stat() : null);
        } finally {
            PathCalls.close(fd);
        }
    }

    private boolean local(int tid, int fd, PathCalls.Statx sx) {
        // The mount's own filesystem, from the kernel's record of it (Linux 6.8+): right for a
        // file of another namespace too, which a descriptor passed in can lead to.
        long magic = LocalFilesystems.magicOf(calls, sx);
        if (magic != LocalFilesystems.NO_STATMOUNT) {
            return magic >= 0 && LocalFilesystems.isLocal(magic);
        }
        List<Mountinfo.Mount> table = table(tid);
        long id = calls.mountId(fd);
        return table != null && id >= 0 && table.stream().anyMatch(m -> m.id() == id && LOCAL.contains(m.type()));
    }

    /** The mount table of {@code tid}'s namespace; null when it cannot be told. */
    private List<Mountinfo.Mount> table(int tid) {
        try {
            return MountTables.ALL.of(calls, tid);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
