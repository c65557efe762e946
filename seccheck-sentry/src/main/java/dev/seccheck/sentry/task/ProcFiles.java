package dev.seccheck.sentry.task;

import dev.seccheck.procfs.NulStrings;

import dev.seccheck.proto.common.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * ProcFiles reads what the supervisor needs from {@code /proc/<tid>}: name, cwd, credentials,
 * parent, the exe link, argv, environment, fd links. Reads that fail (the task vanished) return
 * empty values rather than throwing: a task may exit at any moment.
 */
public final class ProcFiles {
    private ProcFiles() {}

    /** Returns {@code /proc/<tid>/comm} without the newline, or "" if gone. */
    public static String comm(int tid) {
        try {
            return Files.readString(task(tid).resolve("comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Returns the target of {@code /proc/<tid>/<link>} (cwd, exe, fd/N), or null if unreadable. */
    public static String link(int tid, String link) {
        try {
            return Files.readSymbolicLink(task(tid).resolve(link)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Returns the credentials from {@code /proc/<tid>/status}, or null if gone. */
    public static Credentials credentials(int tid) {
        try {
            long[] uid = null;
            long[] gid = null;
            for (String line : Files.readAllLines(task(tid).resolve("status"))) {
                if (line.startsWith("Uid:")) {
                    uid = ids(line);
                } else if (line.startsWith("Gid:")) {
                    gid = ids(line);
                }
            }
            if (uid == null || gid == null) {
                return null;
            }
            return Credentials.newBuilder()
                    .setRealUid((int) uid[0]).setEffectiveUid((int) uid[1]).setSavedUid((int) uid[2])
                    .setRealGid((int) gid[0]).setEffectiveGid((int) gid[1]).setSavedGid((int) gid[2])
                    .build();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Returns the thread group id and parent pid of a task, or null if gone. */
    public static int[] tgidAndPpid(int tid) {
        try {
            int tgid = -1;
            int ppid = -1;
            for (String line : Files.readAllLines(task(tid).resolve("status"))) {
                if (line.startsWith("Tgid:")) {
                    tgid = Integer.parseInt(line.substring(5).trim());
                } else if (line.startsWith("PPid:")) {
                    ppid = Integer.parseInt(line.substring(5).trim());
                }
            }
            return tgid < 0 ? null : new int[] {tgid, ppid};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Returns the NUL-separated strings of {@code /proc/<pid>/cmdline} or {@code environ}. */
    public static List<String> strings(int pid, String file) {
        try {
            return NulStrings.split(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), file)));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long[] ids(String line) {
        String[] parts = line.substring(4).trim().split("\\s+");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    }

    private static Path task(int tid) {
        return Path.of("/proc", Integer.toString(tid));
    }
}
