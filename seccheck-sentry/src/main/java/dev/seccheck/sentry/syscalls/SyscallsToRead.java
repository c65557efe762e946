package dev.seccheck.sentry.syscalls;

import java.util.List;

/**
 * SyscallsToRead tells the supervisor, per syscall number, what an exit message needs beyond
 * what was readable at enter, and which enter data is gone by the exit stop.
 */
public final class SyscallsToRead {
    private SyscallsToRead() {}

    /** What the exit message of a syscall needs from the exit stop. */
    public enum ExitData {
        /** Nothing but the result: the enter message plus {@code exit} is the whole exit message. */
        NONE,
        /** A field taken from the result register (dup's new_fd, clone's new_tid). */
        RESULT,
        /** Memory the kernel wrote during the call (pipe fds, accept's address, old limits). */
        MEMORY
    }

    /** Returns what the exit message of syscall {@code sysno} needs from the exit stop. */
    public static ExitData exitData(int sysno) {
        return switch (sysno) {
            case 32, 56 -> ExitData.RESULT;
            case 22, 43, 53, 286, 287, 288, 293, 302 -> ExitData.MEMORY;
            default -> ExitData.NONE;
        };
    }

    /**
     * Returns whether the data of the enter message is gone at the exit stop, so that an exit
     * point needs the call decoded at enter and finished with
     * {@link SyscallDecoder#completeAtExit}: execve and execveat replace the address space the
     * arguments lived in, close removes the fd whose path fd_path names.
     */
    public static boolean lostAtExit(int sysno) {
        return sysno == 3 || sysno == 59 || sysno == 322;
    }

    /** The message fields (besides context_data and exit) only the exit stop can fill. */
    static List<String> exitFields(int sysno) {
        return switch (sysno) {
            case 32 -> List.of("new_fd");
            case 56 -> List.of("new_tid");
            case 22, 293 -> List.of("reader", "writer");
            case 53 -> List.of("socket1", "socket2");
            case 43, 288 -> List.of("address");
            case 302 -> List.of("old_limit");
            case 286 -> List.of("old_value");
            case 287 -> List.of("cur_value");
            default -> List.of();
        };
    }
}
