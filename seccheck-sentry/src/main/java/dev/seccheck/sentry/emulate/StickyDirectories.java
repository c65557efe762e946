package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * StickyDirectories are the kernel's protections of shared directories, applied where seccheck
 * resolves or opens a name for a program instead of the kernel: the walk follows symlinks itself
 * and reopens what it reached, so the kernel's own checks of those steps never run. Without them
 * a program under seccheck followed another user's symlink planted in /tmp, and opened with
 * O_CREAT another user's file or FIFO there: the attacks these protections exist for, against a
 * program that natively is refused (EACCES).
 *
 * <ul>
 *   <li>{@code fs.protected_symlinks}: a symlink in a sticky, world-writable directory is
 *       followed only by its owner, or when the directory's owner owns it too.</li>
 *   <li>{@code fs.protected_regular} and {@code fs.protected_fifos}: an existing regular file or
 *       FIFO in a sticky directory is opened with O_CREAT only by its owner or the directory's,
 *       when the directory is world-writable (1), or group-writable too (2). The kernel refuses
 *       any other existing non-directory there alike, whatever the settings.</li>
 * </ul>
 *
 * <p>Each setting is read when a decision needs it (rarely: only for a symlink or file of
 * another user in a sticky directory), so a change by the host's administrator takes effect at
 * once; a setting that cannot be read counts as its strictest value. The uids compared are as
 * seccheck sees them (statx, the program's status), in one user namespace, as the kernel compares
 * its own; {@code fs.protected_hardlinks} needs nothing here: the kernel checks the link seccheck
 * makes against the program's identity, which the calling thread has then ({@link Identity}).
 */
final class StickyDirectories {
    private StickyDirectories() {}

    private static final int S_ISVTX = 01000;
    private static final int S_IWGRP = 0020;
    private static final int S_IWOTH = 0002;

    /** The settings' files. */
    static final Path SYMLINKS = Path.of("/proc/sys/fs/protected_symlinks");
    static final Path REGULAR = Path.of("/proc/sys/fs/protected_regular");
    static final Path FIFOS = Path.of("/proc/sys/fs/protected_fifos");

    /**
     * Whether a thread whose filesystem uid is {@code fsuid} may follow the symlink {@code link}
     * found in the directory {@code dir}; {@code protectedSymlinks} is read only when it matters.
     */
    static boolean mayFollow(PathCalls.Stat dir, PathCalls.Stat link, int fsuid, Setting protectedSymlinks) {
        if (link.uid() == fsuid) {
            return true;
        }
        if ((dir.mode() & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH)) {
            return true;
        }
        return dir.uid() == link.uid() || protectedSymlinks.value() == 0;
    }

    /**
     * Whether a thread whose filesystem uid is {@code fsuid} may open, with O_CREAT, the existing
     * {@code file} found in the directory {@code dir} (never a directory: that is EISDIR first).
     */
    static boolean mayOpenCreating(PathCalls.Stat dir, PathCalls.Stat file, int fsuid, Setting protectedRegular,
            Setting protectedFifos) {
        if ((dir.mode() & S_ISVTX) == 0) {
            return true;
        }
        if (file.isRegular() && protectedRegular.value() == 0 || file.isFifo() && protectedFifos.value() == 0) {
            return true;
        }
        if (file.uid() == dir.uid() || file.uid() == fsuid) {
            return true;
        }
        if ((dir.mode() & S_IWOTH) != 0) {
            return false;
        }
        if ((dir.mode() & S_IWGRP) != 0) {
            return !(file.isFifo() && protectedFifos.value() >= 2 || file.isRegular() && protectedRegular.value() >= 2);
        }
        return true;
    }

    /** A setting, asked for only when a decision depends on it. */
    @FunctionalInterface
    interface Setting {
        int value();

        /**
         * The setting in {@code file}, read at each ask in one read (the kernel answers a read of a
         * number's file at another offset than 0 with end of file); its strictest value, 2, when
         * unreadable.
         */
        static Setting of(Path file) {
            return () -> {
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] b = new byte[32];
                    int n = in.read(b);
                    return Integer.parseInt(new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII).strip());
                } catch (IOException | RuntimeException e) {
                    return 2;
                }
            };
        }
    }
}
