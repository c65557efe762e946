package dev.seccheck.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * Layouts holds the x86-64 Linux structures the bindings pass to the kernel, each as a
 * {@link StructLayout} with named fields, and a {@link StructField} per field they use. Offsets
 * come from the layouts, never from literals, so a field's place is written once, next to its C
 * name.
 */
final class Layouts {
    private Layouts() {}

    /** {@code struct iovec}: one buffer of a scatter/gather list. */
    static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));
    static final StructField.OfAddress IOV_BASE = StructField.addresses(IOVEC, groupElement("iov_base"));
    static final StructField.OfLong IOV_LEN = StructField.longs(IOVEC, groupElement("iov_len"));

    /** {@code struct msghdr} of sendmsg(2)/recvmsg(2). */
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));
    static final StructField.OfAddress MSG_NAME = StructField.addresses(MSGHDR, groupElement("msg_name"));
    static final StructField.OfInt MSG_NAMELEN = StructField.ints(MSGHDR, groupElement("msg_namelen"));
    static final StructField.OfAddress MSG_IOV = StructField.addresses(MSGHDR, groupElement("msg_iov"));
    static final StructField.OfLong MSG_IOVLEN = StructField.longs(MSGHDR, groupElement("msg_iovlen"));
    static final StructField.OfAddress MSG_CONTROL = StructField.addresses(MSGHDR, groupElement("msg_control"));
    static final StructField.OfLong MSG_CONTROLLEN = StructField.longs(MSGHDR, groupElement("msg_controllen"));
    static final StructField.OfInt MSG_FLAGS = StructField.ints(MSGHDR, groupElement("msg_flags"));

    /** Bytes of {@code sun_path}, the terminating NUL included. */
    static final int SUN_PATH_SIZE = 108;

    /** {@code struct sockaddr_un}: a Unix-domain socket address. */
    static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(SUN_PATH_SIZE, JAVA_BYTE).withName("sun_path"));
    static final StructField.OfShort SUN_FAMILY = StructField.shorts(SOCKADDR_UN, groupElement("sun_family"));
    static final long SUN_PATH_OFFSET = SOCKADDR_UN.byteOffset(groupElement("sun_path"));

    /** {@code struct pollfd} of poll(2). */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"));
    static final StructField.OfInt POLL_FD = StructField.ints(POLLFD, groupElement("fd"));
    static final StructField.OfShort POLL_EVENTS = StructField.shorts(POLLFD, groupElement("events"));
    static final StructField.OfShort POLL_REVENTS = StructField.shorts(POLLFD, groupElement("revents"));

    /** {@code struct ucred}, the value of SO_PEERCRED. */
    static final StructLayout UCRED = MemoryLayout.structLayout(
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"));
    static final StructField.OfInt UCRED_PID = StructField.ints(UCRED, groupElement("pid"));
    static final StructField.OfInt UCRED_UID = StructField.ints(UCRED, groupElement("uid"));
    static final StructField.OfInt UCRED_GID = StructField.ints(UCRED, groupElement("gid"));

    /** {@code struct sock_filter}: one classic BPF instruction (8 bytes). */
    static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"),
            JAVA_BYTE.withName("jt"),
            JAVA_BYTE.withName("jf"),
            JAVA_INT.withName("k"));

    /** {@code struct sock_fprog}: a BPF program, as seccomp(2) takes it. */
    static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            JAVA_SHORT.withName("len"),
            MemoryLayout.paddingLayout(6),
            JAVA_LONG.withName("filter"));
    static final StructField.OfShort FPROG_LEN = StructField.shorts(SOCK_FPROG, groupElement("len"));
    static final StructField.OfLong FPROG_FILTER = StructField.longs(SOCK_FPROG, groupElement("filter"));

    /** {@code struct seccomp_data}: the system call a filter sees. */
    static final StructLayout SECCOMP_DATA = MemoryLayout.structLayout(
            JAVA_INT.withName("nr"),
            JAVA_INT.withName("arch"),
            JAVA_LONG.withName("instruction_pointer"),
            MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("args"));

    /** {@code struct seccomp_notif}: a system call held for the listener. */
    static final StructLayout SECCOMP_NOTIF = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("flags"),
            SECCOMP_DATA.withName("data"));
    static final StructField.OfLong NOTIF_ID = StructField.longs(SECCOMP_NOTIF, groupElement("id"));
    static final StructField.OfInt NOTIF_PID = StructField.ints(SECCOMP_NOTIF, groupElement("pid"));
    static final StructField.OfInt NOTIF_NR = StructField.ints(SECCOMP_NOTIF, groupElement("data"), groupElement("nr"));
    static final StructField.OfInt NOTIF_ARCH = StructField.ints(SECCOMP_NOTIF, groupElement("data"), groupElement("arch"));
    static final StructField.OfLong NOTIF_IP = StructField.longs(SECCOMP_NOTIF, groupElement("data"), groupElement("instruction_pointer"));
    /** The six arguments: the element accessors take the argument's index. */
    static final StructField.OfLong NOTIF_ARG = StructField.elements(SECCOMP_NOTIF, groupElement("data"), groupElement("args"));

    /** {@code struct seccomp_notif_resp}: the listener's answer. */
    static final StructLayout SECCOMP_NOTIF_RESP = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("val"),
            JAVA_INT.withName("error"),
            JAVA_INT.withName("flags"));
    static final StructField.OfLong RESP_ID = StructField.longs(SECCOMP_NOTIF_RESP, groupElement("id"));
    static final StructField.OfLong RESP_VAL = StructField.longs(SECCOMP_NOTIF_RESP, groupElement("val"));
    static final StructField.OfInt RESP_ERROR = StructField.ints(SECCOMP_NOTIF_RESP, groupElement("error"));
    static final StructField.OfInt RESP_FLAGS = StructField.ints(SECCOMP_NOTIF_RESP, groupElement("flags"));

    /** {@code struct stat} of fstat(2) and newfstatat(2) on x86-64 (144 bytes); times as seconds and nanoseconds. */
    static final StructLayout STAT = MemoryLayout.structLayout(
            JAVA_LONG.withName("st_dev"),
            JAVA_LONG.withName("st_ino"),
            JAVA_LONG.withName("st_nlink"),
            JAVA_INT.withName("st_mode"),
            JAVA_INT.withName("st_uid"),
            JAVA_INT.withName("st_gid"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("st_rdev"),
            JAVA_LONG.withName("st_size"),
            JAVA_LONG.withName("st_blksize"),
            JAVA_LONG.withName("st_blocks"),
            JAVA_LONG.withName("st_atime"),
            JAVA_LONG.withName("st_atime_nsec"),
            JAVA_LONG.withName("st_mtime"),
            JAVA_LONG.withName("st_mtime_nsec"),
            JAVA_LONG.withName("st_ctime"),
            JAVA_LONG.withName("st_ctime_nsec"),
            MemoryLayout.paddingLayout(24));
    static final StructField.OfLong ST_DEV = StructField.longs(STAT, groupElement("st_dev"));
    static final StructField.OfLong ST_RDEV = StructField.longs(STAT, groupElement("st_rdev"));
    static final StructField.OfLong ST_INO = StructField.longs(STAT, groupElement("st_ino"));
    static final StructField.OfLong ST_NLINK = StructField.longs(STAT, groupElement("st_nlink"));
    static final StructField.OfInt ST_MODE = StructField.ints(STAT, groupElement("st_mode"));
    static final StructField.OfInt ST_UID = StructField.ints(STAT, groupElement("st_uid"));
    static final StructField.OfInt ST_GID = StructField.ints(STAT, groupElement("st_gid"));
    static final StructField.OfLong ST_SIZE = StructField.longs(STAT, groupElement("st_size"));
    static final StructField.OfLong ST_MTIME = StructField.longs(STAT, groupElement("st_mtime"));
    static final StructField.OfLong ST_MTIME_NSEC = StructField.longs(STAT, groupElement("st_mtime_nsec"));
    static final StructField.OfLong ST_CTIME = StructField.longs(STAT, groupElement("st_ctime"));
    static final StructField.OfLong ST_CTIME_NSEC = StructField.longs(STAT, groupElement("st_ctime_nsec"));

    /** {@code struct open_how} of openat2(2). */
    static final StructLayout OPEN_HOW = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("mode"),
            JAVA_LONG.withName("resolve"));
    static final StructField.OfLong HOW_FLAGS = StructField.longs(OPEN_HOW, groupElement("flags"));
    static final StructField.OfLong HOW_MODE = StructField.longs(OPEN_HOW, groupElement("mode"));
    static final StructField.OfLong HOW_RESOLVE = StructField.longs(OPEN_HOW, groupElement("resolve"));

    /** struct rlimit (prlimit64's): the soft and the hard limit. */
    static final StructLayout RLIMIT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rlim_cur"),
            JAVA_LONG.withName("rlim_max"));
    static final StructField.OfLong RLIM_CUR = StructField.longs(RLIMIT, groupElement("rlim_cur"));
    static final StructField.OfLong RLIM_MAX = StructField.longs(RLIMIT, groupElement("rlim_max"));

    /** {@code struct statx} of statx(2) (256 bytes), the fields seccheck reads named. */
    static final StructLayout STATX = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            MemoryLayout.paddingLayout(2),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            MemoryLayout.paddingLayout(32), // stx_blocks, stx_attributes_mask, stx_atime
            JAVA_LONG.withName("stx_btime_sec"),
            JAVA_INT.withName("stx_btime_nsec"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("stx_ctime_sec"),
            JAVA_INT.withName("stx_ctime_nsec"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("stx_mtime_sec"),
            JAVA_INT.withName("stx_mtime_nsec"),
            MemoryLayout.paddingLayout(4), // the timestamp's spare
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            JAVA_LONG.withName("stx_mnt_id"),
            MemoryLayout.paddingLayout(104));
    static final StructField.OfInt STX_MASK = StructField.ints(STATX, groupElement("stx_mask"));
    static final StructField.OfInt STX_NLINK = StructField.ints(STATX, groupElement("stx_nlink"));
    static final StructField.OfInt STX_UID = StructField.ints(STATX, groupElement("stx_uid"));
    static final StructField.OfInt STX_GID = StructField.ints(STATX, groupElement("stx_gid"));
    static final StructField.OfShort STX_MODE = StructField.shorts(STATX, groupElement("stx_mode"));
    static final StructField.OfLong STX_INO = StructField.longs(STATX, groupElement("stx_ino"));
    static final StructField.OfLong STX_SIZE = StructField.longs(STATX, groupElement("stx_size"));
    static final StructField.OfLong STX_BTIME_SEC = StructField.longs(STATX, groupElement("stx_btime_sec"));
    static final StructField.OfInt STX_BTIME_NSEC = StructField.ints(STATX, groupElement("stx_btime_nsec"));
    static final StructField.OfLong STX_CTIME_SEC = StructField.longs(STATX, groupElement("stx_ctime_sec"));
    static final StructField.OfInt STX_CTIME_NSEC = StructField.ints(STATX, groupElement("stx_ctime_nsec"));
    static final StructField.OfLong STX_MTIME_SEC = StructField.longs(STATX, groupElement("stx_mtime_sec"));
    static final StructField.OfInt STX_MTIME_NSEC = StructField.ints(STATX, groupElement("stx_mtime_nsec"));
    static final StructField.OfInt STX_DEV_MAJOR = StructField.ints(STATX, groupElement("stx_dev_major"));
    static final StructField.OfInt STX_DEV_MINOR = StructField.ints(STATX, groupElement("stx_dev_minor"));
    static final StructField.OfInt STX_RDEV_MAJOR = StructField.ints(STATX, groupElement("stx_rdev_major"));
    static final StructField.OfInt STX_RDEV_MINOR = StructField.ints(STATX, groupElement("stx_rdev_minor"));
    static final StructField.OfLong STX_MNT_ID = StructField.longs(STATX, groupElement("stx_mnt_id"));

    /** {@code struct mnt_id_req} of statmount(2), its first version (24 bytes). */
    static final StructLayout MNT_ID_REQ = MemoryLayout.structLayout(
            JAVA_INT.withName("size"),
            JAVA_INT.withName("spare"),
            JAVA_LONG.withName("mnt_id"),
            JAVA_LONG.withName("param"));
    static final StructField.OfInt REQ_SIZE = StructField.ints(MNT_ID_REQ, groupElement("size"));
    static final StructField.OfLong REQ_MNT_ID = StructField.longs(MNT_ID_REQ, groupElement("mnt_id"));
    static final StructField.OfLong REQ_PARAM = StructField.longs(MNT_ID_REQ, groupElement("param"));

    /** {@code struct mnt_id_req} of statmount(2), its second version (32 bytes, Linux 6.11): with a mount namespace's id. */
    static final StructLayout MNT_ID_REQ_V1 = MemoryLayout.structLayout(
            JAVA_INT.withName("size"),
            JAVA_INT.withName("spare"),
            JAVA_LONG.withName("mnt_id"),
            JAVA_LONG.withName("param"),
            JAVA_LONG.withName("mnt_ns_id"));
    static final StructField.OfInt REQ1_SIZE = StructField.ints(MNT_ID_REQ_V1, groupElement("size"));
    static final StructField.OfLong REQ1_MNT_ID = StructField.longs(MNT_ID_REQ_V1, groupElement("mnt_id"));
    static final StructField.OfLong REQ1_PARAM = StructField.longs(MNT_ID_REQ_V1, groupElement("param"));
    static final StructField.OfLong REQ1_MNT_NS_ID = StructField.longs(MNT_ID_REQ_V1, groupElement("mnt_ns_id"));

    /**
     * {@code struct statmount} of statmount(2), its fixed part (512 bytes, the same since Linux
     * 6.8), up to the mount's namespace id: its strings ({@code fs_type}, {@code mnt_root},
     * {@code mnt_point}) are offsets into the text that follows it, {@link #STATMOUNT_STRINGS}. A
     * request for no string needs no more room: the kernel writes the fixed part, or as much of it
     * as the buffer holds.
     */
    static final StructLayout STATMOUNT = MemoryLayout.structLayout(
            JAVA_INT.withName("size"),
            JAVA_INT.withName("mnt_opts"),
            JAVA_LONG.withName("mask"),
            JAVA_INT.withName("sb_dev_major"),
            JAVA_INT.withName("sb_dev_minor"),
            JAVA_LONG.withName("sb_magic"),
            JAVA_INT.withName("sb_flags"),
            JAVA_INT.withName("fs_type"),
            JAVA_LONG.withName("mnt_id"),
            JAVA_LONG.withName("mnt_parent_id"),
            JAVA_INT.withName("mnt_id_old"),
            JAVA_INT.withName("mnt_parent_id_old"),
            JAVA_LONG.withName("mnt_attr"),
            JAVA_LONG.withName("mnt_propagation"),
            JAVA_LONG.withName("mnt_peer_group"),
            JAVA_LONG.withName("mnt_master"),
            JAVA_LONG.withName("propagate_from"),
            JAVA_INT.withName("mnt_root"),
            JAVA_INT.withName("mnt_point"),
            JAVA_LONG.withName("mnt_ns_id"),
            MemoryLayout.paddingLayout(392)); // the other fields, and room for those of later kernels
    static final StructField.OfLong SM_MASK = StructField.longs(STATMOUNT, groupElement("mask"));
    static final StructField.OfInt SM_DEV_MAJOR = StructField.ints(STATMOUNT, groupElement("sb_dev_major"));
    static final StructField.OfInt SM_DEV_MINOR = StructField.ints(STATMOUNT, groupElement("sb_dev_minor"));
    static final StructField.OfLong SM_SB_MAGIC = StructField.longs(STATMOUNT, groupElement("sb_magic"));
    static final StructField.OfInt SM_FS_TYPE = StructField.ints(STATMOUNT, groupElement("fs_type"));
    static final StructField.OfLong SM_MNT_ID = StructField.longs(STATMOUNT, groupElement("mnt_id"));
    static final StructField.OfLong SM_MNT_ATTR = StructField.longs(STATMOUNT, groupElement("mnt_attr"));
    static final StructField.OfInt SM_MNT_ROOT = StructField.ints(STATMOUNT, groupElement("mnt_root"));
    static final StructField.OfInt SM_MNT_POINT = StructField.ints(STATMOUNT, groupElement("mnt_point"));
    /** Where a {@code struct statmount}'s strings begin. */
    static final long STATMOUNT_STRINGS = STATMOUNT.byteSize();

    /** {@code struct statfs} of fstatfs(2) on x86-64 (120 bytes), with the fields seccheck reads: f_type and f_flags. */
    static final StructLayout STATFS = MemoryLayout.structLayout(
            JAVA_LONG.withName("f_type"),
            MemoryLayout.paddingLayout(72), // f_bsize to f_frsize
            JAVA_LONG.withName("f_flags"),
            MemoryLayout.paddingLayout(32));
    static final StructField.OfLong F_TYPE = StructField.longs(STATFS, groupElement("f_type"));
    static final StructField.OfLong F_FLAGS = StructField.longs(STATFS, groupElement("f_flags"));

    /**
     * The fixed head of a {@code struct linux_dirent64} (getdents64): the name follows at
     * {@link #D_NAME}, NUL-terminated, and the record is {@code d_reclen} bytes in all.
     */
    static final StructLayout DIRENT64 = MemoryLayout.structLayout(
            JAVA_LONG.withName("d_ino"),
            JAVA_LONG.withName("d_off"),
            JAVA_SHORT.withName("d_reclen"),
            JAVA_BYTE.withName("d_type"));
    static final StructField.OfShort D_RECLEN = StructField.shorts(DIRENT64, groupElement("d_reclen"));
    static final long D_NAME = DIRENT64.byteSize();

    /** {@code struct pidfd_info} of PIDFD_GET_INFO (Linux 6.13), its first version (64 bytes). */
    static final StructLayout PIDFD_INFO = MemoryLayout.structLayout(
            JAVA_LONG.withName("mask"),
            JAVA_LONG.withName("cgroupid"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("tgid"),
            JAVA_INT.withName("ppid"),
            JAVA_INT.withName("ruid"),
            JAVA_INT.withName("rgid"),
            JAVA_INT.withName("euid"),
            JAVA_INT.withName("egid"),
            JAVA_INT.withName("suid"),
            JAVA_INT.withName("sgid"),
            JAVA_INT.withName("fsuid"),
            JAVA_INT.withName("fsgid"),
            JAVA_INT.withName("exit_code"));
    static final StructField.OfLong PIDFD_INFO_MASK = StructField.longs(PIDFD_INFO, groupElement("mask"));
    static final StructField.OfInt PIDFD_INFO_RUID = StructField.ints(PIDFD_INFO, groupElement("ruid"));
    static final StructField.OfInt PIDFD_INFO_EUID = StructField.ints(PIDFD_INFO, groupElement("euid"));
    static final StructField.OfInt PIDFD_INFO_SUID = StructField.ints(PIDFD_INFO, groupElement("suid"));
    static final StructField.OfInt PIDFD_INFO_FSUID = StructField.ints(PIDFD_INFO, groupElement("fsuid"));
    static final StructField.OfInt PIDFD_INFO_RGID = StructField.ints(PIDFD_INFO, groupElement("rgid"));
    static final StructField.OfInt PIDFD_INFO_EGID = StructField.ints(PIDFD_INFO, groupElement("egid"));
    static final StructField.OfInt PIDFD_INFO_SGID = StructField.ints(PIDFD_INFO, groupElement("sgid"));
    static final StructField.OfInt PIDFD_INFO_FSGID = StructField.ints(PIDFD_INFO, groupElement("fsgid"));

    /** {@code struct seccomp_notif_addfd}: a descriptor of ours to install in a notifying task. */
    static final StructLayout SECCOMP_NOTIF_ADDFD = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("srcfd"),
            JAVA_INT.withName("newfd"),
            JAVA_INT.withName("newfd_flags"));
    static final StructField.OfLong ADDFD_ID = StructField.longs(SECCOMP_NOTIF_ADDFD, groupElement("id"));
    static final StructField.OfInt ADDFD_FLAGS = StructField.ints(SECCOMP_NOTIF_ADDFD, groupElement("flags"));
    static final StructField.OfInt ADDFD_SRCFD = StructField.ints(SECCOMP_NOTIF_ADDFD, groupElement("srcfd"));
    static final StructField.OfInt ADDFD_NEWFD = StructField.ints(SECCOMP_NOTIF_ADDFD, groupElement("newfd"));
    static final StructField.OfInt ADDFD_NEWFD_FLAGS = StructField.ints(SECCOMP_NOTIF_ADDFD, groupElement("newfd_flags"));

    /** struct epoll_event: packed on x86-64, the 64-bit data follows the 32-bit events directly. */
    static final StructLayout EPOLL_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"),
            JAVA_LONG_UNALIGNED.withName("data"));
    static final StructField.OfInt EPOLL_EVENTS = StructField.ints(EPOLL_EVENT, groupElement("events"));
    static final StructField.OfLong EPOLL_DATA = StructField.longs(EPOLL_EVENT, groupElement("data"));

    /** {@code struct seccomp_notif_sizes}: the sizes this kernel uses, from SECCOMP_GET_NOTIF_SIZES. */
    static final StructLayout SECCOMP_NOTIF_SIZES = MemoryLayout.structLayout(
            JAVA_SHORT.withName("seccomp_notif"),
            JAVA_SHORT.withName("seccomp_notif_resp"),
            JAVA_SHORT.withName("seccomp_data"));
    static final StructField.OfShort SIZES_NOTIF = StructField.shorts(SECCOMP_NOTIF_SIZES, groupElement("seccomp_notif"));
    static final StructField.OfShort SIZES_RESP = StructField.shorts(SECCOMP_NOTIF_SIZES, groupElement("seccomp_notif_resp"));

    /**
     * glibc's {@code sigset_t}: 1024 signal bits, though the kernel uses 64. Like the two spawn
     * types below it is glibc's, not the kernel's, and only its size and alignment matter here.
     */
    static final MemoryLayout SIGSET = MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("sigset_t");

    /**
     * glibc's opaque {@code posix_spawnattr_t} in the x86-64 ABI ({@code <spawn.h>}: flags, pgroup,
     * two {@code sigset_t}, scheduling parameters and policy, 16 ints of padding): 336 bytes,
     * 8-aligned. glibc keeps it at that size for compatibility; {@code SpawnTypesTest} checks it
     * against {@code sizeof} and {@code _Alignof} from the C compiler.
     */
    static final MemoryLayout POSIX_SPAWNATTR =
            MemoryLayout.sequenceLayout(42, JAVA_LONG).withName("posix_spawnattr_t");

    /**
     * glibc's opaque {@code posix_spawn_file_actions_t} in the x86-64 ABI (allocated and used
     * counts, the actions pointer, 16 ints of padding): 80 bytes, 8-aligned; checked like
     * {@link #POSIX_SPAWNATTR}.
     */
    static final MemoryLayout POSIX_SPAWN_FILE_ACTIONS =
            MemoryLayout.sequenceLayout(10, JAVA_LONG).withName("posix_spawn_file_actions_t");

    /** x86-64 {@code struct user_regs_struct}, as PTRACE_GETREGS fills it. */
    static final StructLayout USER_REGS = MemoryLayout.structLayout(
            JAVA_LONG.withName("r15"), JAVA_LONG.withName("r14"), JAVA_LONG.withName("r13"),
            JAVA_LONG.withName("r12"), JAVA_LONG.withName("rbp"), JAVA_LONG.withName("rbx"),
            JAVA_LONG.withName("r11"), JAVA_LONG.withName("r10"), JAVA_LONG.withName("r9"),
            JAVA_LONG.withName("r8"), JAVA_LONG.withName("rax"), JAVA_LONG.withName("rcx"),
            JAVA_LONG.withName("rdx"), JAVA_LONG.withName("rsi"), JAVA_LONG.withName("rdi"),
            JAVA_LONG.withName("orig_rax"), JAVA_LONG.withName("rip"), JAVA_LONG.withName("cs"),
            JAVA_LONG.withName("eflags"), JAVA_LONG.withName("rsp"), JAVA_LONG.withName("ss"),
            JAVA_LONG.withName("fs_base"), JAVA_LONG.withName("gs_base"), JAVA_LONG.withName("ds"),
            JAVA_LONG.withName("es"), JAVA_LONG.withName("fs"), JAVA_LONG.withName("gs"));

    /** Returns the index, in 8-byte words, of register {@code name} in {@link #USER_REGS}. */
    static int regIndex(String name) {
        return (int) (USER_REGS.byteOffset(groupElement(name)) / JAVA_LONG.byteSize());
    }
}
