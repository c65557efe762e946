package dev.seccheck.sentry.task;

import dev.seccheck.abi.Sysno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;

/**
 * MemoryReaders closes most of the window a process_vm_readv or process_vm_writev let through
 * just before its target's exec left open. The guard decides such a call when it is held, and
 * the kernel makes it once the answer wakes the caller: a caller descheduled in between read the
 * new program, mapped by an exec that started meanwhile, before seccheck killed it at its exec
 * event (`PolicyEnforcementTest` read a kept key so in about one run of six). Each such call is
 * recorded here before it is decided; an exec whose new program is decided
 * ({@link TaskTable#execStarted}) first waits, at most {@value #WAIT_MS} ms, until every recorded
 * caller aimed at its process has left the call. A caller in a pid namespace of its own names its
 * target by that namespace's numbers, which are not compared here.
 */
final class MemoryReaders {

    /** How long an exec waits for the callers aimed at its process. */
    private static final long WAIT_MS = 100;
    private static final long PAUSE_NS = TimeUnit.MICROSECONDS.toNanos(50);

    /**
     * One held call and the pid it names. Compared by identity, not a record: a later call of the
     * same caller at the same pid is another call, which an exec must wait for in turn.
     */
    private static final class Calling {
        private final int pid;

        Calling(int pid) {
            this.pid = pid;
        }

        int pid() {
            return pid;
        }
    }

    /** Caller tid to its latest call. */
    private final Map<Integer, Calling> callers = new ConcurrentHashMap<>();

    /** Task {@code tid}'s held process_vm_readv or process_vm_writev names {@code pid}. */
    void calling(int tid, int pid) {
        callers.put(tid, new Calling(pid));
    }

    /**
     * Waits until no recorded caller aimed at process {@code tgid} (a pid {@code tgidOf} maps to
     * it) is still in its call, at most {@value #WAIT_MS} ms; forgets the callers that left.
     */
    void awaitNoneAt(int tgid, IntUnaryOperator tgidOf) {
        if (callers.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (Map.Entry<Integer, Calling> e : callers.entrySet()) {
            Calling call = e.getValue();
            int pid = call.pid();
            if (pid != tgid && tgidOf.applyAsInt(pid) != tgid) {
                continue;
            }
            while (inCall(e.getKey(), call) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(PAUSE_NS);
            }
            callers.remove(e.getKey(), call);
        }
    }

    /**
     * Whether task {@code tid} may still be in {@code call}: /proc/TID/syscall shows it in
     * process_vm_readv or process_vm_writev, or running (where nothing shows whether it made the
     * call yet: a caller just answered runs to it) with no later call of its own held since. A
     * running caller once passed for one out of the call, and read the new image.
     */
    private boolean inCall(int tid, Calling call) {
        try {
            String line = Files.readString(Path.of("/proc/" + tid + "/syscall")).strip();
            if (line.equals("running")) {
                return callers.get(tid) == call;
            }
            int end = line.indexOf(' ');
            int nr = Integer.parseInt(end < 0 ? line : line.substring(0, end));
            return nr == Sysno.PROCESS_VM_READV || nr == Sysno.PROCESS_VM_WRITEV;
        } catch (IOException | RuntimeException e) {
            return false; // gone
        }
    }
}
