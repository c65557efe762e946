package dev.seccheck.sentry.defense;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_RDWR;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.sink.TrailFifos;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OutputPipes are the pipes seccheck writes its lines to: its stdout and stderr when they are
 * pipes or FIFOs (a shell's {@code seccheck run ... 2>&1 | tee log}, a CI runner's capture), looked
 * at as it starts, and the FIFOs its sinks write to ({@link TrailFifos}: {@code -o FIFO}), kept by
 * device and inode. The program inherits seccheck's stdout and stderr, and a pipe reopened through
 * {@code /proc/self/fd/2} (or {@code /dev/stderr}, another process's {@code /proc/PID/fd/2}, a
 * FIFO's name) for reading is a read end of that same pipe: threads parked in read() on it took
 * about 95% of seccheck's lines, its alerts among them, before the pipe's reader saw them.
 *
 * <p>So an open that seccheck performs for the program and that reaches one of these pipes for
 * reading (O_RDONLY or O_RDWR; not O_PATH, which reads nothing, and whose reopen comes back here) is
 * refused with EACCES, as the kernel refuses a pipe its opener may not reopen. For writing it opens
 * as natively: the program writes to its stderr itself. seccheck holds no read end of these pipes,
 * so none can be inherited or dup'ed from it, and {@code pidfd_getfd} is refused always
 * ({@link Guard}). Only an open seccheck performs is seen: a session without an open point or
 * rule does not hold opens, and the kernel makes such an open itself (README, Security).
 */
public final class OutputPipes {

    /** A pipe as the kernel knows it. */
    private record Id(long dev, long ino) {}

    /** seccheck's stdout and stderr that are pipes. */
    private final Set<Id> pipes;
    /** The processes told already why their opens fail: said once per process. */
    private final Set<Integer> told = ConcurrentHashMap.newKeySet();

    private OutputPipes(Set<Id> pipes) {
        this.pipes = Set.copyOf(pipes);
    }

    /** Returns this process's stdout and stderr that are pipes or FIFOs, looked at now (fstat). */
    public static OutputPipes ofThisProcess() {
        PathCalls calls = new PathCalls();
        Set<Id> found = new HashSet<>();
        for (int fd : new int[] {1, 2}) {
            PathCalls.Stat st = calls.fstat(fd);
            if (st != null && st.isFifo()) {
                found.add(new Id(st.dev(), st.ino()));
            }
        }
        return new OutputPipes(found);
    }

    /** Only the pipe of device {@code dev} and inode {@code ino} (and the sinks' FIFOs): for tests. */
    static OutputPipes of(long dev, long ino) {
        return new OutputPipes(Set.of(new Id(dev, ino)));
    }

    /**
     * Returns whether an open with {@code flags} of the object {@code st} (null when it could not
     * be looked at) would read one of seccheck's output pipes, and is refused. While there is
     * any, an object that cannot be looked at is taken for one (fail closed) when the open reads.
     */
    public boolean refused(int flags, PathCalls.Stat st) {
        int access = flags & O_ACCMODE;
        if ((flags & O_PATH) != 0 || access != O_RDONLY && access != O_RDWR) {
            return false;
        }
        if (st == null) {
            return !pipes.isEmpty() || TrailFifos.any();
        }
        return st.isFifo() && (pipes.contains(new Id(st.dev(), st.ino())) || TrailFifos.contains(st.dev(), st.ino()));
    }

    /**
     * Returns the line the run's log gets when an open of {@code name} by task {@code tid} of
     * process {@code tgid} is refused ({@link #refused}), or null when that process was told already.
     */
    public String refusal(String syscall, int tid, int tgid, String comm, String name) {
        if (!told.add(tgid)) {
            return null;
        }
        return "refused " + syscall + " from task " + tid + " (" + comm + ") of " + name + " for reading: it is"
                + " the pipe seccheck writes its lines to, which a read end would take from their reader (EACCES;"
                + " said once per process)";
    }
}
