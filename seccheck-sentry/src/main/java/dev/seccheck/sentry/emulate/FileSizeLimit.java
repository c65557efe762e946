package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.Pidfd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * FileSizeLimit applies a program's RLIMIT_FSIZE to a file seccheck grows for it. The kernel
 * checks the limit of the process that makes the call; made on seccheck's thread, a truncate
 * would be checked against seccheck's (none), and a program started under {@code prlimit
 * --fsize=1024} could grow a file to a terabyte. Past its limit the kernel fails the call with
 * EFBIG and sends SIGXFSZ to the calling thread (inode_newsize_ok), so seccheck does both.
 *
 * <p>The limit is read from {@code /proc/PID/limits}, which anyone may read: prlimit64 asks the
 * caller for the target's ids or CAP_SYS_RESOURCE, which an emulation thread that has taken the
 * program's effective ids (but kept seccheck's real ones) has neither of.
 *
 * <p>The kernel compares with the file's size under the inode's lock; seccheck reads the size
 * just before its truncate, so a second thread that shrinks the file in between has it grown
 * back past the limit, to at most the size it had, which was already past it.
 */
final class FileSizeLimit {
    private FileSizeLimit() {}

    private static final String LINE = "Max file size";

    /**
     * 0 when growing a file of {@code size} bytes to {@code length} keeps within process {@code tgid}'s
     * limit, else -EFBIG (then {@link #signal} the caller once it is answered); -ESRCH when the
     * process is gone. A call that does not grow the file is never refused (the kernel's check is
     * on growth only).
     */
    static int check(int tgid, long size, long length) {
        if (length <= size) {
            return 0;
        }
        OptionalLong limit;
        try {
            limit = soft(Files.readString(Path.of("/proc/" + tgid + "/limits")));
        } catch (IOException | RuntimeException e) {
            return -Errno.ESRCH;
        }
        // A file without the line: no limit can be known, so the growth is refused rather than let past one.
        return limit.isPresent() && length <= limit.getAsLong() ? 0 : -Errno.EFBIG;
    }

    /**
     * Sends SIGXFSZ to the thread of {@code call}, through {@code thread}, a pidfd of it taken
     * before the answer ({@link Call#pinThread}), as the kernel does to a caller past its limit. Only after the call was answered: a signal to a thread waiting for seccheck's
     * answer interrupts the wait, and the kernel restarts the call (a new notification, the same
     * refusal, a signal again, for ever).
     */
    static void signal(Call call, Pidfd thread) {
        call.signalThread(thread, Signal.SIGXFSZ);
    }

    /**
     * The soft file-size limit in the text of a {@code /proc/PID/limits}: {@link Long#MAX_VALUE}
     * for "unlimited" (or a limit past what a file offset holds), empty when the line is missing
     * or unreadable.
     */
    static OptionalLong soft(String limits) {
        return soft(limits, LINE);
    }

    /**
     * The soft limit on the line of a {@code /proc/PID/limits} that starts with {@code name}
     * ("Max open files"), as {@link #soft(String)} reads the file-size one.
     */
    static OptionalLong soft(String limits, String name) {
        for (String line : limits.split("\n")) {
            if (!line.startsWith(name)) {
                continue;
            }
            String[] words = line.substring(name.length()).trim().split("\\s+");
            if (words.length == 0) {
                return OptionalLong.empty();
            }
            if (words[0].equals("unlimited")) {
                return OptionalLong.of(Long.MAX_VALUE);
            }
            try {
                long bytes = Long.parseUnsignedLong(words[0]);
                return OptionalLong.of(bytes < 0 ? Long.MAX_VALUE : bytes);
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
