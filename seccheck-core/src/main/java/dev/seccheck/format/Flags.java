package dev.seccheck.format;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Mman;
import dev.seccheck.abi.Signal;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Flags turns the numbers a syscall takes into the names strace prints: open flags and modes,
 * socket families and types, mmap protections and flags, clone flags with their exit signal,
 * and wait statuses. Bits with no name are kept as a hex remainder, so nothing is hidden.
 */
public final class Flags {
    private Flags() {}

    private record Bit(long mask, String name) {}

    private static final List<Bit> OPEN = List.of(
            new Bit(Fcntl.O_CREAT, "O_CREAT"), new Bit(Fcntl.O_EXCL, "O_EXCL"), new Bit(Fcntl.O_NOCTTY, "O_NOCTTY"),
            new Bit(Fcntl.O_TRUNC, "O_TRUNC"), new Bit(Fcntl.O_APPEND, "O_APPEND"), new Bit(Fcntl.O_NONBLOCK, "O_NONBLOCK"),
            new Bit(Fcntl.O_SYNC, "O_SYNC"), new Bit(Fcntl.O_DSYNC, "O_DSYNC"), new Bit(Fcntl.O_ASYNC, "O_ASYNC"),
            new Bit(Fcntl.O_DIRECT, "O_DIRECT"), new Bit(Fcntl.O_LARGEFILE, "O_LARGEFILE"),
            new Bit(Fcntl.O_TMPFILE, "O_TMPFILE"), new Bit(Fcntl.O_DIRECTORY, "O_DIRECTORY"),
            new Bit(Fcntl.O_NOFOLLOW, "O_NOFOLLOW"), new Bit(Fcntl.O_NOATIME, "O_NOATIME"),
            new Bit(Fcntl.O_CLOEXEC, "O_CLOEXEC"), new Bit(Fcntl.O_PATH, "O_PATH"));

    private static final List<Bit> SOCK = List.of(new Bit(02000000, "SOCK_CLOEXEC"), new Bit(04000, "SOCK_NONBLOCK"));

    private static final List<Bit> PROT = List.of(new Bit(Mman.PROT_READ, "PROT_READ"), new Bit(Mman.PROT_WRITE, "PROT_WRITE"),
            new Bit(Mman.PROT_EXEC, "PROT_EXEC"), new Bit(Mman.PROT_SEM, "PROT_SEM"),
            new Bit(Mman.PROT_GROWSDOWN, "PROT_GROWSDOWN"), new Bit(Mman.PROT_GROWSUP, "PROT_GROWSUP"));

    private static final List<Bit> MAP = List.of(new Bit(Mman.MAP_FIXED, "MAP_FIXED"), new Bit(Mman.MAP_ANONYMOUS, "MAP_ANONYMOUS"),
            new Bit(Mman.MAP_32BIT, "MAP_32BIT"), new Bit(Mman.MAP_GROWSDOWN, "MAP_GROWSDOWN"),
            new Bit(Mman.MAP_DENYWRITE, "MAP_DENYWRITE"), new Bit(Mman.MAP_EXECUTABLE, "MAP_EXECUTABLE"),
            new Bit(Mman.MAP_LOCKED, "MAP_LOCKED"), new Bit(Mman.MAP_NORESERVE, "MAP_NORESERVE"),
            new Bit(0x8000, "MAP_POPULATE"), new Bit(0x10000, "MAP_NONBLOCK"), new Bit(0x20000, "MAP_STACK"),
            new Bit(0x40000, "MAP_HUGETLB"), new Bit(0x80000, "MAP_SYNC"), new Bit(0x100000, "MAP_FIXED_NOREPLACE"));

    /** Every named clone flag, lowest bit first (strace's order). */
    private static final List<Bit> CLONE = IntStream.range(0, Long.SIZE).mapToLong(bit -> 1L << bit)
            .filter(flag -> CloneFlags.name(flag) != null).mapToObj(flag -> new Bit(flag, CloneFlags.name(flag))).toList();

    private static final String[] SECCOMP_OPS = {"SECCOMP_SET_MODE_STRICT", "SECCOMP_SET_MODE_FILTER",
        "SECCOMP_GET_ACTION_AVAIL", "SECCOMP_GET_NOTIF_SIZES"};

    private static final List<Bit> SECCOMP_FILTER = List.of(new Bit(1, "SECCOMP_FILTER_FLAG_TSYNC"),
            new Bit(2, "SECCOMP_FILTER_FLAG_LOG"), new Bit(4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
            new Bit(8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"), new Bit(16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
            new Bit(32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));

    private static final String[] FAMILIES = new String[46];

    static {
        String[] names = {"AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK", "AF_NETROM", "AF_BRIDGE",
            "AF_ATMPVC", "AF_X25", "AF_INET6"};
        System.arraycopy(names, 0, FAMILIES, 0, names.length);
        FAMILIES[16] = "AF_NETLINK";
        FAMILIES[17] = "AF_PACKET";
        FAMILIES[38] = "AF_ALG";
        FAMILIES[40] = "AF_VSOCK";
        FAMILIES[44] = "AF_XDP";
    }

    private static final String[] SOCK_TYPES = {null, "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",
        "SOCK_DCCP", null, null, null, "SOCK_PACKET"};

    /** Returns open flags as strace does: the access mode first, then each flag, e.g. {@code O_RDONLY|O_CLOEXEC}. */
    public static String open(long flags) {
        String mode = switch ((int) (flags & Fcntl.O_ACCMODE)) {
            case Fcntl.O_RDONLY -> "O_RDONLY";
            case Fcntl.O_WRONLY -> "O_WRONLY";
            case Fcntl.O_RDWR -> "O_RDWR";
            default -> "O_ACCMODE";
        };
        return bits(mode, flags & ~Fcntl.O_ACCMODE, OPEN);
    }

    /** Says whether open flags take a mode argument (O_CREAT or O_TMPFILE), as strace shows it only then. */
    public static boolean openTakesMode(long flags) {
        return (flags & Fcntl.O_CREAT) != 0 || (flags & Fcntl.O_TMPFILE) == Fcntl.O_TMPFILE;
    }

    /** Returns a file mode as strace prints it: octal with a leading zero ({@code 0644}). */
    public static String mode(long mode) {
        return "0" + Long.toOctalString(mode & 07777);
    }

    private static final List<Bit> AT = List.of(new Bit(0x100, "AT_SYMLINK_NOFOLLOW"), new Bit(0x400, "AT_SYMLINK_FOLLOW"),
            new Bit(0x800, "AT_NO_AUTOMOUNT"), new Bit(Fcntl.AT_EMPTY_PATH, "AT_EMPTY_PATH"));

    /**
     * Returns the *at calls' flags ({@code AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH}); {@code bit200} names
     * 0x200, which means AT_REMOVEDIR to unlinkat and AT_EACCESS to faccessat2, or null to leave it
     * as a remainder.
     */
    public static String at(long flags, String bit200) {
        String first = bit200 != null && (flags & 0x200) != 0 ? bit200 : null;
        return bits(first, first != null ? flags & ~0x200L : flags, AT);
    }

    /** Returns access(2)'s mode as strace does: {@code F_OK}, or {@code R_OK|W_OK|X_OK} bits. */
    public static String access(long mode) {
        return mode == 0 ? "F_OK" : bits(null, mode, ACCESS);
    }

    private static final List<Bit> ACCESS = List.of(new Bit(4, "R_OK"), new Bit(2, "W_OK"), new Bit(1, "X_OK"));

    /** The send and receive flags ({@code MSG_*}, linux/socket.h), in strace's order. */
    private static final List<Bit> MSG = List.of(new Bit(0x1, "MSG_OOB"), new Bit(0x2, "MSG_PEEK"),
            new Bit(0x4, "MSG_DONTROUTE"), new Bit(0x8, "MSG_CTRUNC"), new Bit(0x20, "MSG_TRUNC"),
            new Bit(0x40, "MSG_DONTWAIT"), new Bit(0x80, "MSG_EOR"), new Bit(0x100, "MSG_WAITALL"),
            new Bit(0x800, "MSG_CONFIRM"), new Bit(0x2000, "MSG_ERRQUEUE"), new Bit(0x4000, "MSG_NOSIGNAL"),
            new Bit(0x8000, "MSG_MORE"), new Bit(0x10000, "MSG_WAITFORONE"), new Bit(0x20000000, "MSG_FASTOPEN"),
            new Bit(0x40000000, "MSG_CMSG_CLOEXEC"));

    /** Returns send or receive flags ({@code MSG_DONTWAIT|MSG_NOSIGNAL}), {@code 0} for none. */
    public static String message(long flags) {
        return flags == 0 ? "0" : bits(null, flags & 0xffffffffL, MSG);
    }

    /** Returns a socket family's name ({@code AF_INET}), or its number when it has none. */
    public static String family(int family) {
        String n = family >= 0 && family < FAMILIES.length ? FAMILIES[family] : null;
        return n != null ? n : Integer.toString(family);
    }

    /** Returns a socket type with its flags ({@code SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK}). */
    public static String socketType(int type) {
        int base = type & 0xf;
        String n = base < SOCK_TYPES.length && SOCK_TYPES[base] != null ? SOCK_TYPES[base] : "0x" + Integer.toHexString(base);
        return bits(n, type & ~0xf, SOCK);
    }

    /** Returns seccomp(2)'s operation ({@code SECCOMP_SET_MODE_FILTER}), or its number when it has no name. */
    public static String seccompOp(long op) {
        int o = (int) op; // the kernel reads an unsigned int
        return o >= 0 && o < SECCOMP_OPS.length ? SECCOMP_OPS[o] : Integer.toUnsignedString(o);
    }

    /** Returns seccomp(2)'s filter flags ({@code SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG}). */
    public static String seccompFlags(long flags) {
        return bits(null, flags & 0xffffffffL, SECCOMP_FILTER);
    }

    /** Returns mmap protections ({@code PROT_READ|PROT_WRITE}, or {@code PROT_NONE}). */
    public static String prot(long prot) {
        return prot == 0 ? "PROT_NONE" : bits(null, prot, PROT);
    }

    /** Returns mmap flags ({@code MAP_PRIVATE|MAP_ANONYMOUS}). */
    public static String mmap(long flags) {
        String type = switch ((int) (flags & Mman.MAP_TYPE)) {
            case Mman.MAP_SHARED -> "MAP_SHARED";
            case Mman.MAP_PRIVATE -> "MAP_PRIVATE";
            case Mman.MAP_SHARED_VALIDATE -> "MAP_SHARED_VALIDATE";
            default -> "0x" + Long.toHexString(flags & Mman.MAP_TYPE);
        };
        return bits(type, flags & ~Mman.MAP_TYPE, MAP);
    }

    /** Returns clone flags with the exit signal in the low byte named, as strace does ({@code CLONE_VM|SIGCHLD}). */
    public static String clone(long flags) {
        int sig = (int) (flags & CloneFlags.CSIGNAL);
        String rest = flags == sig ? null : bits(null, flags & ~CloneFlags.CSIGNAL, CLONE);
        if (sig == 0) {
            return rest == null ? "0" : rest;
        }
        return rest == null ? Signal.name(sig) : rest + "|" + Signal.name(sig);
    }

    /** Returns a wait status in words: {@code exited with 7}, {@code killed by SIGKILL (core dumped)}, {@code stopped by SIGSTOP}. */
    public static String waitStatus(int status) {
        int sig = status & 0x7f;
        if (sig == 0) {
            return "exited with " + ((status >> 8) & 0xff);
        }
        if (sig == 0x7f) {
            return "stopped by " + Signal.name((status >> 8) & 0xff);
        }
        return "killed by " + Signal.name(sig) + ((status & 0x80) != 0 ? " (core dumped)" : "");
    }

    /** Joins {@code first} and the names of the set bits, with any unnamed bits as a hex remainder. */
    private static String bits(String first, long value, List<Bit> table) {
        StringBuilder sb = new StringBuilder();
        if (first != null) {
            sb.append(first);
        }
        long left = value;
        for (Bit b : table) {
            if (b.mask() != 0 && (left & b.mask()) == b.mask()) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(b.name());
                left &= ~b.mask();
            }
        }
        if (left != 0) {
            if (!sb.isEmpty()) {
                sb.append('|');
            }
            sb.append("0x").append(Long.toHexString(left));
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }
}
