package dev.seccheck.sentry.filter;

/**
 * SeccompData gives the offsets of the fields of {@code struct seccomp_data}, the input of every
 * seccomp filter: {@code int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];}. A filter
 * loads 32 bits at a time, so each 64-bit field has a low and a high word (low first: x86-64 is
 * little-endian).
 */
public final class SeccompData {
    private SeccompData() {}

    /** The syscall number. */
    public static final int NR = 0;
    /** The AUDIT_ARCH_* of the calling convention. */
    public static final int ARCH = 4;
    /** Low word of the instruction pointer. */
    public static final int INSTRUCTION_POINTER_LOW = 8;
    /** High word of the instruction pointer. */
    public static final int INSTRUCTION_POINTER_HIGH = 12;
    /** The size of the struct: no load may reach past it. */
    public static final int SIZE = 64;

    private static final int ARGS = 16;
    private static final int ARG_COUNT = 6;

    /** Returns the offset of the low word of syscall argument {@code i} (0 to 5). */
    public static int argLow(int i) {
        return ARGS + 8 * checked(i);
    }

    /** Returns the offset of the high word of syscall argument {@code i} (0 to 5). */
    public static int argHigh(int i) {
        return ARGS + 8 * checked(i) + 4;
    }

    private static int checked(int i) {
        if (i < 0 || i >= ARG_COUNT) {
            throw new IllegalArgumentException("seccomp_data has args[0] to args[5], not args[" + i + "]");
        }
        return i;
    }
}
