package dev.seccheck.control;

import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.RefusingServers;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * WorkloadPeers refuses control requests that come from a supervised program: a task of this run,
 * or a task of any other seccheck run, or a process descended from one (a process whose ancestry
 * holds such a task; one reparented away from it is out of reach). The checked program runs as the
 * same user as seccheck, so the user check alone would let it delete its own policy, or another
 * run's.
 *
 * <p>A task of another run is told by the kernel's facts alone, not by the runs' files: every task
 * of a run is ptraced by that run's process from its first instruction to its end (the kernel
 * gives a task one tracer, and a supervised task can neither detach nor take another), and every
 * run names its process {@link RefusingServers#RUN} before its program starts and refuses to start
 * if it cannot. A process's name ({@code /proc/TGID/comm}, which every user may read, even of a
 * process that is not dumpable) can be changed only by the process itself, so a program cannot
 * make its supervisor look like anything else. Before, another run's supervisor was recognised by
 * the {@code run.json} records of this run's runtime directory: the program can write its own
 * (it runs as the user), and a run of another runtime directory had none there, so in both cases
 * its program deleted this run's policy. A task ptraced by a process of another name (strace, gdb)
 * is the operator's and is served: a supervised task cannot be one, since it already has its tracer.
 *
 * <p>A request from this run's own process is refused too: the run never asks itself, but where it
 * performs its program's connects the kernel names it as the client (the emulation also refuses
 * such a connect, see {@code RefusingServers}). So is one from another run's process (named
 * {@link RefusingServers#RUN}): the emulation refuses such a connect only after it is made, and a
 * second thread of the program had its request queued in between, and deleted another run's policy.
 *
 * <p>It fails closed: a peer whose ancestry cannot be read (it exited, /proc is not readable), or
 * whose tracer cannot be named, is refused. The pid comes from SO_PEERCRED; a peer that exits and
 * whose pid another process takes before the check would be judged as that process, so the
 * {@link ControlServer} asks after this check whether the peer still holds its pid, and refuses it
 * otherwise. What it cannot see: a pid namespace hides the processes above it, whose pids read as 0
 * (a tracer there shows as none), so a supervised program that joined the pid namespace of a run
 * started inside it (a rootless container of the same user) and connected from there is not told
 * from the operator (README, "Who may control a run").
 */
public final class WorkloadPeers implements PeerGuard {

    /** Ancestor chains are short; a longer one is a loop or a race, and refused. */
    private static final int MAX_ANCESTORS = 1024;

    private final String runId;
    private final Supplier<Collection<Integer>> processes;
    private final long self;

    /**
     * @param runId this run's id, named in refusals
     * @param processes the thread-group ids this run supervises right now
     */
    public WorkloadPeers(String runId, Supplier<Collection<Integer>> processes) {
        this.runId = runId;
        this.processes = processes;
        this.self = ProcessHandle.current().pid();
    }

    @Override
    public Optional<String> refusal(long pid) {
        if (pid <= 0) {
            // SO_PEERCRED's pid is 0 for a process of a pid namespace above this run's: unknown, so refused.
            return Optional.of("refused: the kernel names no process for this connection (pid " + pid
                    + ": a process this run's pid namespace cannot see)");
        }
        if (pid == self) {
            // The run never asks itself; the kernel names it as the client of a connect it made for its program.
            return Optional.of("refused: the request comes from this run's own process, pid " + pid
                    + " (a connect seccheck made for its program; a supervised program may not change its own checks)");
        }
        if (RefusingServers.of((int) pid).filter(RefusingServers.RUN::equals).isPresent()) {
            // No run asks another: a run named as the client made a connect for its program.
            return Optional.of("refused: the request comes from pid " + pid + ", another run's supervisor (a connect"
                    + " seccheck made for that run's program; a supervised program may not change other runs' checks)");
        }
        Set<Integer> ours = new HashSet<>(processes.get());
        Set<Long> seen = new HashSet<>();
        long p = pid;
        try {
            while (p > 1 && p != self) {
                if (!seen.add(p) || seen.size() > MAX_ANCESTORS) {
                    return Optional.of("refused: cannot trace the ancestry of pid " + pid + " (it changed while read)");
                }
                if (ours.contains((int) p)) {
                    return Optional.of(supervised(pid, runId));
                }
                ProcessStatus st = ProcessStatus.of(p);
                if (st.tracer() > 0) {
                    Optional<String> refused = tracedBy(pid, p, st.tracer());
                    if (refused.isPresent()) {
                        return refused;
                    }
                }
                p = st.ppid();
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("refused: cannot tell whether pid " + pid + " is a supervised task (" + e.getMessage() + ")");
        }
    }

    /**
     * Why the peer {@code pid} is refused when {@code task} (the peer or one of its ancestors) is
     * ptraced by the thread {@code tracer}: that thread is this run's, or of a process named
     * {@link RefusingServers#RUN}; empty when it is of another process (the operator's strace or
     * debugger). An IOException when the tracer cannot be named, or {@code task} changed tracer
     * while it was looked at (the tracer's thread id could be another thread's by then).
     */
    private Optional<String> tracedBy(long pid, long task, long tracer) throws IOException {
        long tgid = ProcessStatus.of(tracer).tgid();
        if (tgid == self) {
            return Optional.of(supervised(pid, runId));
        }
        String name = Procfs.comm(tgid);
        if (ProcessStatus.of(task).tracer() != tracer) {
            throw new IOException("the tracer of pid " + task + " changed while read");
        }
        if (name.isEmpty()) {
            throw new IOException("cannot read the name of pid " + tgid + ", which ptraces pid " + task);
        }
        if (name.equals(RefusingServers.RUN)) {
            return Optional.of("refused: the request comes from pid " + pid + ", a task supervised by another seccheck"
                    + " run, pid " + tgid + " (a supervised program may not change the checks of any run)");
        }
        return Optional.empty();
    }

    private static String supervised(long pid, String run) {
        return "refused: the request comes from pid " + pid + ", a task supervised by run " + run
                + " (a supervised program may not change its own checks)";
    }
}
