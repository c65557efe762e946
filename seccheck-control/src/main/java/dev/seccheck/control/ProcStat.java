package dev.seccheck.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** ProcStat reads fields of {@code /proc/<pid>/stat}, parsing past the command name (which may hold spaces and parentheses). */
final class ProcStat {
    private ProcStat() {}

    /** Returns the fields after the command name: index 0 is the state (field 3 of proc(5)). */
    static String[] fieldsAfterComm(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IOException("/proc/" + pid + "/stat: unexpected format");
        }
        return stat.substring(close + 2).trim().split(" ");
    }

    /** Returns the process's start time in clock ticks after boot (field 22), or empty if it is gone. */
    static OptionalLong startTicks(long pid) {
        try {
            return OptionalLong.of(Long.parseLong(fieldsAfterComm(pid)[19]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Returns the parent pid (field 4), or -1 if the process is gone. */
    static long ppid(long pid) {
        try {
            return Long.parseLong(fieldsAfterComm(pid)[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
