package dev.seccheck.points;

/**
 * SyscallType says which side of a syscall a point fires on, and whether it carries the
 * schematized message or the raw arguments. The ordinal is gVisor's number, used in point ids.
 */
public enum SyscallType {
    /** Schematized, before the syscall runs. */
    ENTER("enter", false, false),
    /** Schematized, after the syscall ran (carries the result). */
    EXIT("exit", true, false),
    /** Raw arguments, before the syscall runs. */
    RAW_ENTER("enter", false, true),
    /** Raw arguments and result, after the syscall ran. */
    RAW_EXIT("exit", true, true);

    private final String suffix;
    private final boolean exit;
    private final boolean raw;

    SyscallType(String suffix, boolean exit, boolean raw) {
        this.suffix = suffix;
        this.exit = exit;
        this.raw = raw;
    }

    /** Returns the last part of the point name: {@code enter} or {@code exit}. */
    public String suffix() {
        return suffix;
    }

    /** Returns whether the point fires after the syscall. */
    public boolean isExit() {
        return exit;
    }

    /** Returns whether the point carries raw arguments instead of a schematized message. */
    public boolean isRaw() {
        return raw;
    }
}
