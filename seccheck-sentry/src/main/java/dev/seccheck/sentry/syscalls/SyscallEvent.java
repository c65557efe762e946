package dev.seccheck.sentry.syscalls;

import dev.seccheck.linux.SeccompNotification;

/**
 * SyscallEvent is one syscall as the supervisor saw it at a stop: the thread, the syscall
 * number, the six argument registers (x86-64 order rdi, rsi, rdx, r10, r8, r9) and, on exit,
 * the result register.
 *
 * @param result rax at exit, the raw kernel value (-4095..-1 means -errno); meaningless on enter
 */
public record SyscallEvent(int tid, int sysno, long arg1, long arg2, long arg3, long arg4, long arg5,
                           long arg6, boolean exit, long result) {

    /** The largest errno the kernel returns as a negative result (MAX_ERRNO). */
    public static final int MAX_ERRNO = 4095;

    /** Returns an enter event (no result). */
    public static SyscallEvent enter(int tid, int sysno, long... args) {
        long[] a = sixArgs(args);
        return new SyscallEvent(tid, sysno, a[0], a[1], a[2], a[3], a[4], a[5], false, 0);
    }

    /** Returns an exit event with {@code result} as the kernel returned it. */
    public static SyscallEvent exit(int tid, int sysno, long result, long... args) {
        long[] a = sixArgs(args);
        return new SyscallEvent(tid, sysno, a[0], a[1], a[2], a[3], a[4], a[5], true, result);
    }

    /** Returns the call {@code n} holds, at its enter: its thread, number and six registers. */
    public static SyscallEvent held(SeccompNotification n) {
        return new SyscallEvent(n.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(), n.arg4(), n.arg5(), false, 0);
    }

    /** Returns this call's exit with {@code result} as the kernel returned it (or seccheck, for a call it made). */
    public SyscallEvent exited(long result) {
        return new SyscallEvent(tid, sysno, arg1, arg2, arg3, arg4, arg5, arg6, true, result);
    }

    private static long[] sixArgs(long[] args) {
        if (args.length > 6) {
            throw new IllegalArgumentException("a syscall has at most 6 arguments, got " + args.length);
        }
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        return a;
    }

    /** Returns argument {@code i}, counting from 1 as the kernel's documentation does. */
    public long arg(int i) {
        return switch (i) {
            case 1 -> arg1;
            case 2 -> arg2;
            case 3 -> arg3;
            case 4 -> arg4;
            case 5 -> arg5;
            case 6 -> arg6;
            default -> throw new IllegalArgumentException("syscall argument index must be 1..6, got " + i);
        };
    }

    /** Returns whether this is an exit event whose result encodes an errno. */
    public boolean isError() {
        return exit && result < 0 && result >= -MAX_ERRNO;
    }

    /** Returns the errno of a failed syscall, or 0 when it did not fail (or on enter). */
    public int errno() {
        return isError() ? (int) -result : 0;
    }
}
