package dev.seccheck.linux;

/**
 * SeccompNotification is one syscall held by a seccomp user-notification filter until the
 * supervisor answers: its id (for the answer), the thread, and the syscall's {@code seccomp_data}.
 */
public record SeccompNotification(long id, int tid, int nr, int arch, long instructionPointer,
        long arg0, long arg1, long arg2, long arg3, long arg4, long arg5) {}
