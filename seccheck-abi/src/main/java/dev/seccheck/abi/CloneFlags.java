package dev.seccheck.abi;

/**
 * CloneFlags holds the x86-64 Linux clone(2) and clone3(2) flags ({@code linux/sched.h}). They are
 * {@code long} because CLONE_IO is bit 31 and clone3's flags go past 32 bits.
 */
public final class CloneFlags {
    private CloneFlags() {}

    /** CSIGNAL masks the exit signal out of clone(2)'s flags word. */
    public static final long CSIGNAL = 0x000000ffL;
    public static final long CLONE_NEWTIME = 0x00000080L;
    public static final long CLONE_VM = 0x00000100L;
    public static final long CLONE_FS = 0x00000200L;
    public static final long CLONE_FILES = 0x00000400L;
    public static final long CLONE_SIGHAND = 0x00000800L;
    public static final long CLONE_PIDFD = 0x00001000L;
    public static final long CLONE_PTRACE = 0x00002000L;
    public static final long CLONE_VFORK = 0x00004000L;
    public static final long CLONE_PARENT = 0x00008000L;
    public static final long CLONE_THREAD = 0x00010000L;
    public static final long CLONE_NEWNS = 0x00020000L;
    public static final long CLONE_SYSVSEM = 0x00040000L;
    public static final long CLONE_SETTLS = 0x00080000L;
    public static final long CLONE_PARENT_SETTID = 0x00100000L;
    public static final long CLONE_CHILD_CLEARTID = 0x00200000L;
    public static final long CLONE_DETACHED = 0x00400000L;
    public static final long CLONE_UNTRACED = 0x00800000L;
    public static final long CLONE_CHILD_SETTID = 0x01000000L;
    public static final long CLONE_NEWCGROUP = 0x02000000L;
    public static final long CLONE_NEWUTS = 0x04000000L;
    public static final long CLONE_NEWIPC = 0x08000000L;
    public static final long CLONE_NEWUSER = 0x10000000L;
    public static final long CLONE_NEWPID = 0x20000000L;
    public static final long CLONE_NEWNET = 0x40000000L;
    public static final long CLONE_IO = 0x80000000L;
    public static final long CLONE_CLEAR_SIGHAND = 0x100000000L;
    public static final long CLONE_INTO_CGROUP = 0x200000000L;

    /** The lowest bit that is a flag: the bits below it hold the exit signal ({@link #CSIGNAL}). */
    private static final int FIRST_FLAG_BIT = 7;

    /** The flags' names by bit number, from bit 7 (CLONE_NEWTIME) up. */
    private static final String[] NAMES = {
        "CLONE_NEWTIME", "CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_SIGHAND", "CLONE_PIDFD", "CLONE_PTRACE",
        "CLONE_VFORK", "CLONE_PARENT", "CLONE_THREAD", "CLONE_NEWNS", "CLONE_SYSVSEM", "CLONE_SETTLS",
        "CLONE_PARENT_SETTID", "CLONE_CHILD_CLEARTID", "CLONE_DETACHED", "CLONE_UNTRACED", "CLONE_CHILD_SETTID",
        "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET",
        "CLONE_IO", "CLONE_CLEAR_SIGHAND", "CLONE_INTO_CGROUP",
    };

    /** Returns the name of the one flag {@code flag} ({@code CLONE_VM}), or null when it is not a single named flag. */
    public static String name(long flag) {
        int bit = Long.numberOfTrailingZeros(flag) - FIRST_FLAG_BIT;
        return Long.bitCount(flag) == 1 && bit >= 0 && bit < NAMES.length ? NAMES[bit] : null;
    }
}
