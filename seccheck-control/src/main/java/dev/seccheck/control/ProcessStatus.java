package dev.seccheck.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ProcessStatus is what the control plane reads of a process's {@code /proc/PID/status} to tell a
 * supervised program from the person who runs seccheck: its thread group, parent and tracer (a
 * supervised task is always ptraced by its run's supervisor, and cannot detach).
 */
record ProcessStatus(long tgid, long ppid, long tracer) {

    /** Reads the status of {@code pid}; an IOException when it is gone or lacks a field. */
    static ProcessStatus of(long pid) throws IOException {
        long tgid = -1;
        long ppid = -1;
        long tracer = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Tgid:")) {
                tgid = Long.parseLong(line.substring(5).trim());
            } else if (line.startsWith("PPid:")) {
                ppid = Long.parseLong(line.substring(5).trim());
            } else if (line.startsWith("TracerPid:")) {
                tracer = Long.parseLong(line.substring(10).trim());
            }
        }
        if (tgid < 0 || ppid < 0 || tracer < 0) {
            throw new IOException("/proc/" + pid + "/status lacks Tgid, PPid or TracerPid");
        }
        return new ProcessStatus(tgid, ppid, tracer);
    }
}
