package dev.seccheck.sentry.task;

import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;

/**
 * MemoryReaders closes the window a process_vm_readv or process_vm_writev let through
 * just before its target's exec left open. The guard decides such a call when it is held, and
 * the kernel makes it once the answer wakes the caller: a caller descheduled in between read the
 * new program, mapped by an exec that started meanwhile, before seccheck killed it at its exec
 * event (`PolicyEnforcementTest` read a kept key so in about one run of six). Each such call is
 * recorded here before it is decided; an exec whose new program is decided
 * ({@link TaskTable#execStarted}) first waits, at most {@value #WAIT_MS} ms, until every recorded
 * caller aimed at its process has left the call, and kills one that has not (fail closed). A caller in a pid namespace of its own names its
 * target by that namespace's numbers, which are not compared here. A caller that is a thread of
 * the executing process is not waited for: the exec ends every other thread of its process before
 * it maps the new program (a thread that read its own process, as crash handlers probe memory,
 * was killed, and its process with it, when it was computing as another thread executed).
 *
 * <p>A record names one task of the run, not a number: it is made only while the caller is known
 * to wait in its held call, with the caller's start time; it is dropped when the tracer sees that
 * task end ({@link #gone}); and a kill goes through a pidfd taken before the holder of the number
 * is found to be a task of the run, started when the caller did, and none of seccheck's own
 * threads. Before, a record outlived its task, and once an outside process (or one of seccheck's
 * own threads) had taken the number and was running, an exec of the process the call had named
 * SIGKILLed it.
 */
final class MemoryReaders {

    /** How long an exec waits for the callers aimed at its process. */
    private static final long WAIT_MS = 100;
    private static final long PAUSE_NS = TimeUnit.MICROSECONDS.toNanos(50);
    /** seccheck's own process, whose threads are never a caller's (they take freed numbers too). */
    private static final long SELF = ProcessHandle.current().pid();

    /**
     * One held call, the pid it names, and its caller's start time (clock ticks after boot, as
     * /proc/TID/stat says), which tells the caller from a later task with its number. Compared by
     * identity, not a record: a later call of the same caller at the same pid is another call,
     * which an exec must wait for in turn.
     */
    private static final class Calling {
        private final int pid;
        private final long startTicks;

        Calling(int pid, long startTicks) {
            this.pid = pid;
            this.startTicks = startTicks;
        }

        int pid() {
            return pid;
        }

        long startTicks() {
            return startTicks;
        }
    }

    /** Caller tid to its latest call. */
    private final Map<Integer, Calling> callers = new ConcurrentHashMap<>();

    /**
     * Task {@code tid}'s held process_vm_readv or process_vm_writev names {@code pid}; {@code
     * waiting} tells whether the caller still waits in that held call (its notification is
     * pending). The caller's start time is read first and the record kept only if the caller
     * still waits after it was made: then the number was the caller's when its start time was
     * read, and the caller's end, which {@link #gone} drops the record at, comes after the record.
     * A caller that ended meanwhile leaves no record (its call is never made).
     */
    void calling(int tid, int pid, BooleanSupplier waiting) {
        OptionalLong start = Procfs.startTicks(tid);
        if (start.isEmpty()) {
            return; // gone: its call is never made
        }
        Calling call = new Calling(pid, start.getAsLong());
        callers.put(tid, call);
        if (!waiting.getAsBoolean()) {
            callers.remove(tid, call);
        }
    }

    /**
     * Task {@code tid} ended (the tracer reaped it), or left its number (a non-leader's exec): its
     * record goes, before another task can be given the number and be taken for the caller.
     */
    void gone(int tid) {
        callers.remove(tid);
    }

    /**
     * Waits until no recorded caller aimed at process {@code tgid} (a pid {@code tgidOf} maps to
     * it) is still in its call, at most {@value #WAIT_MS} ms; forgets the callers that left. A
     * caller still in its call, or on its way to it, when the time is up is killed: the exec goes
     * on, and the call would read the new program (fail closed; a caller descheduled that long,
     * on a loaded machine, is the case). Only the recorded caller itself is killed: a task
     * {@code tgidOf} knows (a task of the run; -1 for a number that is none), started when the
     * caller did, and not seccheck's own. Returns the tids killed.
     */
    List<Integer> awaitNoneAt(int tgid, IntUnaryOperator tgidOf) {
        if (callers.isEmpty()) {
            return List.of();
        }
        List<Integer> killed = new ArrayList<>(0);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (Map.Entry<Integer, Calling> e : callers.entrySet()) {
            Calling call = e.getValue();
            int pid = call.pid();
            if (pid != tgid && tgidOf.applyAsInt(pid) != tgid) {
                continue;
            }
            if (tgidOf.applyAsInt(e.getKey()) == tgid) {
                // A thread of the process executing: the exec ends it before it maps the new
                // program, so no call of its own can read that program; nothing to wait for.
                callers.remove(e.getKey(), call);
                continue;
            }
            while (inCall(e.getKey(), call) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(PAUSE_NS);
            }
            if (killStillInCall(e.getKey(), call, tgidOf)) {
                killed.add(e.getKey());
            }
            callers.remove(e.getKey(), call);
        }
        return killed;
    }

    /**
     * Kills caller {@code tid} if it is still in {@code call}, or on its way to it; returns whether
     * it did. Its pidfd is opened before it is looked at, so the task signalled is the one seen in
     * the call and proved the caller ({@link #isCaller}): a number is not given to another task
     * while its task lives.
     */
    private boolean killStillInCall(int tid, Calling call, IntUnaryOperator tgidOf) {
        if (!inCall(tid, call)) {
            return false; // the common case: no pidfd opened for a caller that left
        }
        Pidfd task = Pidfd.ofThread(tid);
        if (task == null && Pidfd.threadsUnsupported()) {
            task = Procfs.status(tid).map(s -> Pidfd.ofProcess(s.tgid())).orElse(null);
        }
        if (task == null) {
            return false; // gone: its call is over
        }
        try {
            return inCall(tid, call) && isCaller(tid, call, tgidOf) && task.signal(Signal.SIGKILL) == 0;
        } finally {
            task.close();
        }
    }

    /**
     * Whether the task that holds number {@code tid} now is the caller of {@code call}: a task of
     * the run ({@code tgidOf} knows it), not a thread of seccheck's own process, and started when
     * the caller did. A number is given to one task at a time, and the caller held it since before
     * it was recorded, so a holder with the caller's start time is the caller.
     */
    private static boolean isCaller(int tid, Calling call, IntUnaryOperator tgidOf) {
        if (tgidOf.applyAsInt(tid) < 0) {
            return false;
        }
        Procfs.Status st = Procfs.status(tid).orElse(null);
        if (st == null || st.tgid() == SELF) {
            return false;
        }
        OptionalLong start = Procfs.startTicks(tid);
        return start.isPresent() && start.getAsLong() == call.startTicks();
    }

    /**
     * Whether task {@code tid} may still be in {@code call}: no later call of its own has been held
     * since (a thread makes one call at a time), and /proc/TID/syscall shows it in
     * process_vm_readv or process_vm_writev, or running (where nothing shows whether it made the
     * call yet: a caller just answered runs to it). A running caller once passed for one out of
     * the call, and read the new image. A caller looping on such calls shows in one nearly always,
     * the later ones held for a decision: each exec waited the whole {@value #WAIT_MS} ms for it.
     */
    private boolean inCall(int tid, Calling call) {
        if (callers.get(tid) != call) {
            return false;
        }
        try {
            String line = Files.readString(Path.of("/proc/" + tid + "/syscall")).strip();
            if (line.equals("running")) {
                return true;
            }
            int end = line.indexOf(' ');
            int nr = Integer.parseInt(end < 0 ? line : line.substring(0, end));
            return nr == Sysno.PROCESS_VM_READV || nr == Sysno.PROCESS_VM_WRITEV;
        } catch (IOException | RuntimeException e) {
            return false; // gone
        }
    }
}
