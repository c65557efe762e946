package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;

/**
 * FileAttributeIoctls are the ioctl requests that change a file's attributes through a descriptor,
 * which any descriptor of the file's owner allows, a read-only one too: FS_IOC_SETFLAGS (the inode
 * flags {@code chattr} sets: noatime, append-only, immutable, ...), FS_IOC_FSSETXATTR (the
 * extended flags and project id {@code xfs_io} sets), and FS_IOC_SETVERSION with ext4's own
 * EXT4_IOC_SETVERSION (the inode's generation, {@code chattr -v}, which also moves its ctime; a
 * read-only descriptor changed a kept file's so before, red-team report R2 F4). While a sink
 * decides on opening files the filter holds them by their request number ({@link #FILTER_FRAGMENT})
 * for {@link AttributeCalls}, and every other ioctl falls through: the rest of the program's ioctls
 * cost a few comparisons in the filter.
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
        a.jump(Bpf.Cond.EQ, FS_IOC_SETFLAGS, hold, null);
        a.jump(Bpf.Cond.EQ, FS_IOC_SETVERSION, hold, null);
        a.jump(Bpf.Cond.EQ, EXT4_IOC_SETVERSION, hold, null);
        a.jump(Bpf.Cond.EQ, FS_IOC_FSSETXATTR, hold, out);
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }

    /** Whether an ioctl of request {@code request} (its second argument) is one {@link #FILTER_FRAGMENT} holds. */
    static boolean held(long request) {
        int r = (int) request;
        return r == FS_IOC_SETFLAGS || r == FS_IOC_SETVERSION || r == EXT4_IOC_SETVERSION || r == FS_IOC_FSSETXATTR;
    }

    /** How many bytes the kernel copies from a held request's argument before it looks at the file. */
    static int copied(int request) {
        return request == FS_IOC_FSSETXATTR ? 28 : Integer.BYTES;
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
