package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * MountStatus asks statmount(2) (Linux 6.8; a namespace other than the caller's since 6.11) what
 * the kernel holds of one mount, found by its unique id (statx's {@code STATX_MNT_ID_UNIQUE},
 * never reused) in a given mount namespace: its superblock (device, magic, type), its root within
 * its filesystem and its mount point. Unlike /proc/TID/mountinfo, which leaves out every mount
 * whose mount point is outside the reading task's root, this names a mount whatever root any task
 * has. One instance per thread: it reuses its buffers.
 */
public final class MountStatus {

    /**
     * A mount as statmount describes it.
     *
     * @param devMajor the superblock's device, major number
     * @param devMinor the superblock's device, minor number
     * @param magic the filesystem's magic number (fstatfs's f_type)
     * @param type the filesystem's type name ({@code ext4}, {@code tmpfs})
     * @param root the mount's root, as a path within its filesystem
     * @param mountPoint where it is mounted, from the root of the namespace asked about (from the
     *     caller's root when that is the caller's own namespace)
     */
    public record Described(long devMajor, long devMinor, long magic, String type, String root, String mountPoint) {}

    /** statmount(2)'s number on x86-64. */
    private static final int SYS_STATMOUNT = 457;
    private static final long STATMOUNT_SB_BASIC = 0x1;
    /** The mount's ids, its unique one checked against the one asked for. */
    private static final long STATMOUNT_MNT_BASIC = 0x2;
    private static final long STATMOUNT_MNT_ROOT = 0x8;
    private static final long STATMOUNT_MNT_POINT = 0x10;
    private static final long STATMOUNT_FS_TYPE = 0x20;
    private static final long WANTED = STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE;
    private static final int MNT_ID_REQ_SIZE_VER1 = 32;
    /** Room for the fixed part and two paths of PATH_MAX, with the type name. */
    private static final long BUFFER = Layouts.STATMOUNT_STRINGS + 2 * 4096 + 256;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment request = arena.allocate(Layouts.MNT_ID_REQ_V1);
    private final MemorySegment answer = arena.allocate(BUFFER, 8);
    /** The errno of the last {@link #describe} that failed, 0 after one that did not. */
    private int failure;

    /** Creates the calls of one thread. */
    public MountStatus() {}

    /**
     * The mount of unique id {@code uniqueMountId} in the mount namespace of id {@code mntNsId}
     * ({@link NamespaceFiles#mountNamespaceId}); empty when statmount cannot tell: ENOSYS before
     * Linux 6.8, EINVAL before 6.11 (no namespace id in the request), ENOENT when that namespace
     * holds no such mount (a detached one, another namespace's) or, for a namespace not the
     * caller's, the caller lacks CAP_SYS_ADMIN over its user namespace, EPERM when the mount is
     * out of the caller's reach, EOVERFLOW for paths longer than the buffer.
     */
    public Optional<Described> describe(long uniqueMountId, long mntNsId) {
        request.fill((byte) 0);
        Layouts.REQ1_SIZE.set(request, MNT_ID_REQ_SIZE_VER1);
        Layouts.REQ1_MNT_ID.set(request, uniqueMountId);
        Layouts.REQ1_PARAM.set(request, WANTED);
        Layouts.REQ1_MNT_NS_ID.set(request, mntNsId);
        Layouts.SM_MASK.set(answer, 0L);
        long r = Direct.call(SYS_STATMOUNT, request.address(), answer.address(), answer.byteSize(), 0);
        failure = r < 0 ? (int) -r : 0;
        if (r < 0 || (Layouts.SM_MASK.get(answer) & WANTED) != WANTED
                || Layouts.SM_MNT_ID.get(answer) != uniqueMountId) {
            return Optional.empty();
        }
        return Optional.of(new Described(Integer.toUnsignedLong(Layouts.SM_DEV_MAJOR.get(answer)),
                Integer.toUnsignedLong(Layouts.SM_DEV_MINOR.get(answer)), Layouts.SM_SB_MAGIC.get(answer),
                string(Layouts.SM_FS_TYPE.get(answer)), string(Layouts.SM_MNT_ROOT.get(answer)),
                string(Layouts.SM_MNT_POINT.get(answer))));
    }

    /**
     * Whether the last {@link #describe} found nothing because this kernel cannot answer such a
     * question at all, whatever the mount: it has no statmount (ENOSYS, before Linux 6.8), or one
     * that takes no namespace's id (EINVAL, or E2BIG for the request's larger size, before 6.11).
     * A caller may then fall back to another record of the mount; after any other failure the
     * kernel was asked and did not name it.
     */
    public boolean unsupported() {
        return failure == Errno.ENOSYS || failure == Errno.EINVAL || failure == Errno.E2BIG;
    }

    /** The NUL-terminated string at {@code offset} in the answer's strings, every byte kept ({@link FileNames}). */
    private String string(int offset) {
        long at = Layouts.STATMOUNT_STRINGS + Integer.toUnsignedLong(offset);
        long end = at;
        while (end < answer.byteSize() && answer.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        return FileNames.decode(answer.asSlice(at, end - at).toArray(ValueLayout.JAVA_BYTE));
    }
}
