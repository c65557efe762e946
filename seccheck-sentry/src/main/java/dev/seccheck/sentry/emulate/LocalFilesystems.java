package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * LocalFilesystems tells whether a file is on a filesystem whose lookups, attributes and reads
 * answer from local state, without asking that filesystem: FUSE (a process of the run can serve it
 * and leave any request of seccheck's unanswered, and a thread waiting on one cannot even be
 * killed), network filesystems and autofs are not. The type is the superblock's magic (what
 * fstatfs calls f_type) that statmount(2) gives for the mount's unique id (Linux 6.8+), both read
 * from the kernel's records; fstat and fstatfs would send the filesystem a request. Thread-safe:
 * the magic of each mount met is kept, since the kernel never gives a unique id to another mount.
 */
public final class LocalFilesystems {
    private LocalFilesystems() {}

    /**
     * The magics of the filesystems that answer from local state: disk filesystems (ext2-4, xfs,
     * btrfs, f2fs, jfs, reiserfs, zfs, exfat, vfat/msdos, iso9660, udf, squashfs, erofs), memory
     * ones (tmpfs and devtmpfs, ramfs, hugetlbfs, overlay) and the kernel's own (proc, sysfs,
     * cgroup, cgroup2, devpts, mqueue, debugfs, tracefs, securityfs, pstore, bpf, configfs, nsfs,
     * efivarfs, selinuxfs, binfmt_misc, fusectl, rpc_pipefs, nfsd). Not FUSE, NFS, CIFS/SMB, 9p,
     * Ceph, AFS or autofs, nor any type not listed.
     */
    static final Set<Long> LOCAL = Set.of(0xEF53L, 0x58465342L, 0x9123683EL, 0xF2F52010L, 0x3153464AL,
            0x52654973L, 0x2FC12FC1L, 0x2011BAB0L, 0x4D44L, 0x9660L, 0x15013346L, 0x73717368L, 0xE0F5E1E2L,
            0x01021994L, 0x858458F6L, 0x958458F6L, 0x794C7630L, PathCalls.PROC_SUPER_MAGIC, 0x62656572L, 0x27E0EBL,
            0x63677270L, 0x1CD1L, 0x19800202L, 0x64626720L, 0x74726163L, 0x73636673L, 0x6165676CL, 0xCAFE4A11L,
            0x62656570L, 0x6E736673L, 0xDE5E81E4L, 0xF97CFF8CL, 0x42494E4DL, 0x65735543L, 0x67596969L, 0x6E667364L);

    /** What {@link #magicOf} returns when the kernel cannot tell a mount's filesystem without asking it. */
    public static final long UNKNOWN = -1;
    /** What {@link #magicOf} returns when the kernel has no statmount (before Linux 6.8). */
    public static final long NO_STATMOUNT = -2;

    /** How many mounts are kept before the record starts again (a program may mount without end). */
    private static final int KEPT = 4096;
    private static final Map<Long, Long> MAGIC_BY_MOUNT = new ConcurrentHashMap<>();

    /** Whether a filesystem of magic {@code magic} answers from local state. */
    public static boolean isLocal(long magic) {
        return LOCAL.contains(magic);
    }

    /**
     * The magic of the filesystem of the file {@code sx} describes, from its mount's unique id:
     * {@link #NO_STATMOUNT} when the kernel has no unique ids or no statmount, {@link #UNKNOWN}
     * when statmount cannot see the mount (of another mount namespace, or out of seccheck's
     * reach), which a caller that may not wait must take for not local.
     */
    public static long magicOf(PathCalls calls, PathCalls.Statx sx) {
        if (sx == null || sx.uniqueMountId() <= 0) {
            return sx == null ? UNKNOWN : NO_STATMOUNT;
        }
        Long known = MAGIC_BY_MOUNT.get(sx.uniqueMountId());
        if (known != null) {
            return known;
        }
        long magic = calls.superMagic(sx.uniqueMountId());
        if (magic == -Errno.ENOSYS) {
            return NO_STATMOUNT;
        }
        if (magic < 0) {
            return UNKNOWN; // not kept: a detached mount can be attached to the namespace later
        }
        if (MAGIC_BY_MOUNT.size() >= KEPT) {
            MAGIC_BY_MOUNT.clear();
        }
        MAGIC_BY_MOUNT.put(sx.uniqueMountId(), magic);
        return magic;
    }
}
