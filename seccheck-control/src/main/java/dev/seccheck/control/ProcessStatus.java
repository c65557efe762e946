package dev.seccheck.control;

import dev.seccheck.linux.Procfs;
import java.io.IOException;

/**
 * ProcessStatus is what the control plane reads of a process's {@code /proc/PID/status} to tell a
 * supervised program from the person who runs seccheck: its thread group, parent and tracer (a
 * supervised task is always ptraced by its run's supervisor, and cannot detach).
 */
record ProcessStatus(long tgid, long ppid, long tracer) {

    /** Reads the status of {@code pid}; an IOException when it is gone or lacks a field. */
    static ProcessStatus of(long pid) throws IOException {
        Procfs.Status st = Procfs.readStatus(pid);
        if (st.tgid() < 0 || st.ppid() < 0 || st.tracerPid() < 0) {
            throw new IOException("/proc/" + pid + "/status lacks Tgid, PPid or TracerPid");
        }
        return new ProcessStatus(st.tgid(), st.ppid(), st.tracerPid());
    }
}
