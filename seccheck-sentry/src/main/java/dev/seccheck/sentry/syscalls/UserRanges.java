package dev.seccheck.sentry.syscalls;

/**
 * UserRanges holds the kernel's rules for a range the program passes by pointer and length, before
 * anything is copied: its access_ok, which fails a call with EFAULT for a range that reaches into
 * the kernel's half or wraps, and MAX_RW_COUNT, the most one read, write or send moves, to which a
 * longer length is cut (x86-64, 4-level paging).
 */
public final class UserRanges {
    private UserRanges() {}

    /** The most one read or write moves (the kernel's MAX_RW_COUNT): a longer length is cut to it. */
    public static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~4095L;

    /** The highest address the kernel's access_ok takes as the program's. */
    private static final long USER_PTR_MAX = 0x7fffffffefffL;

    /** A length the program gave (a size_t), cut to {@link #MAX_RW_COUNT} as the kernel cuts it. */
    public static long rwCount(long len) {
        return Long.compareUnsigned(len, MAX_RW_COUNT) > 0 ? MAX_RW_COUNT : len;
    }

    /**
     * Whether {@code len} bytes at {@code addr} lie where the program's memory may be, as the
     * kernel's access_ok checks a buffer before it copies anything: a pointer into the kernel's
     * half, or a range that wraps, fails the call with EFAULT at once, whatever else is wrong.
     */
    public static boolean inUserRange(long addr, long len) {
        long end = addr + len;
        return Long.compareUnsigned(end, USER_PTR_MAX) <= 0 && Long.compareUnsigned(end, addr) >= 0;
    }
}
