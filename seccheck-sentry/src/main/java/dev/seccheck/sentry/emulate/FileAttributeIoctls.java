package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;

/**
 * FileAttributeIoctls are the ioctl requests that change a file or a directory through a
 * descriptor, which any descriptor of the file's owner allows, a read-only one too:
 * FS_IOC_SETFLAGS (the inode flags {@code chattr} sets: noatime, append-only, immutable, ...),
 * FS_IOC_FSSETXATTR (the extended flags and project id {@code xfs_io} sets), FS_IOC_SETVERSION
 * with ext4's own EXT4_IOC_SETVERSION (the inode's generation, {@code chattr -v}, which also moves
 * its ctime; a read-only descriptor changed a kept file's so before, red-team report R2 F4),
 * FS_IOC_SET_ENCRYPTION_POLICY (fscrypt: an empty directory encrypted with a key of the caller's
 * choosing, after which nobody without that key makes a file in it; red-team report R2 F3),
 * ext4's EXT4_IOC_MIGRATE (a file's blocks mapped by extents, its flag 'e' set, as
 * FS_IOC_SETFLAGS with that flag does) and FS_IOC_ENABLE_VERITY (fs-verity: the file read-only for
 * good, which the kernel wants a read-only descriptor for). While a sink decides on opening files
 * the filter holds them by their request number ({@link #FILTER_FRAGMENT}) for
 * {@link AttributeCalls}, which reads their arguments as the kernel would ({@link IoctlArguments}),
 * and every other ioctl falls through: the rest of the program's ioctls cost a few comparisons in
 * the filter.
 */
final class FileAttributeIoctls {
    private FileAttributeIoctls() {}

    /** {@code _IOW('f', 2, long)}: the kernel copies an int from its argument, whatever the size says. */
    static final int FS_IOC_SETFLAGS = 0x40086602;
    /** {@code _IOW('X', 32, struct fsxattr)}: a 28-byte struct fsxattr. */
    static final int FS_IOC_FSSETXATTR = 0x401c5820;
    /** {@code _IOW('v', 2, long)}: ext2 and ext4 copy an int from its argument, the new generation. */
    static final int FS_IOC_SETVERSION = 0x40087602;
    /** {@code _IOW('f', 4, long)}: ext4's older number for FS_IOC_SETVERSION, which it still takes. */
    static final int EXT4_IOC_SETVERSION = 0x40086604;
    /**
     * {@code _IOR('f', 19, struct fscrypt_policy_v1)} (R, not W, by an old mistake the number
     * keeps): the one number for a v1 policy (12 bytes) and a v2 one (24), which the kernel tells
     * apart by the first byte, the version.
     */
    static final int FS_IOC_SET_ENCRYPTION_POLICY = 0x800c6613;
    /** {@code _IO('f', 9)}: ext4's conversion of a file's block map to extents; no argument. */
    static final int EXT4_IOC_MIGRATE = 0x6609;
    /** {@code _IOW('f', 133, struct fsverity_enable_arg)}: 128 bytes, which point to a salt and a signature. */
    static final int FS_IOC_ENABLE_VERITY = 0x40806685;

    /** The requests held, in the order the filter compares them. */
    private static final int[] HELD = {FS_IOC_SETFLAGS, FS_IOC_SETVERSION, EXT4_IOC_SETVERSION, FS_IOC_FSSETXATTR,
        FS_IOC_SET_ENCRYPTION_POLICY, EXT4_IOC_MIGRATE, FS_IOC_ENABLE_VERITY};

    /** The filter's part holding these requests; every other syscall and request falls through. */
    static final Fragment FILTER_FRAGMENT = fragment();

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label hold = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.IOCTL, null, out);
        // The request is an unsigned int: its low word is all of it.
        a.load(SeccompData.argLow(1));
        for (int i = 0; i < HELD.length; i++) {
            a.jump(Bpf.Cond.EQ, HELD[i], hold, i == HELD.length - 1 ? out : null);
        }
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether an ioctl of request {@code request} (its second argument) is one {@link #FILTER_FRAGMENT} holds. */
    static boolean held(long request) {
        int r = (int) request;
        for (int h : HELD) {
            if (r == h) {
                return true;
            }
        }
        return false;
    }

    /**
     * How many bytes the request's number says its argument has ({@code _IOC_SIZE}): a file whose
     * filesystem has no such attributes (a device, a socket) hands the request to its driver, which
     * may read that many; seccheck's copy is padded to it with zeroes, so a driver reads none of
     * seccheck's memory.
     */
    static int encoded(int request) {
        return (request >>> 16) & 0x3fff;
    }
}
