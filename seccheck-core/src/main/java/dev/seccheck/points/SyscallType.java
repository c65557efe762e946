package dev.seccheck.points;

/**
 * SyscallType says which side of a syscall a point fires on, and whether it carries the
 * schematized message or the raw arguments. The ordinal is gVisor's number, used in point ids.
 */
public enum SyscallType {
    /** Schematized, before the syscall runs. */
    ENTER,
    /** Schematized, after the syscall ran (carries the result). */
    EXIT,
    /** Raw arguments, before the syscall runs. */
    RAW_ENTER,
    /** Raw arguments and result, after the syscall ran. */
    RAW_EXIT;

    /** Returns the last part of the point name: {@code enter} or {@code exit}. */
    public String suffix() {
        return isExit() ? "exit" : "enter";
    }

    /** Returns whether the point fires after the syscall. */
    public boolean isExit() {
        return this == EXIT || this == RAW_EXIT;
    }

    /** Returns whether the point carries raw arguments instead of a schematized message. */
    public boolean isRaw() {
        return this == RAW_ENTER || this == RAW_EXIT;
    }
}
