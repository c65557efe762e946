package dev.seccheck.control;

import dev.seccheck.linux.RefusingServers;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * WorkloadPeers refuses control requests that come from a supervised program: a task of this run,
 * or a task ptraced by the supervisor of any live run in the same runtime directory, or a process
 * descended from one (a child that left supervision still has a supervised ancestor, unless it
 * was reparented). The checked program runs as the same user as seccheck, so the user check alone
 * would let it delete its own policy.
 *
 * <p>A request from this run's own process is refused too: the run never asks itself, but where it
 * performs its program's connects the kernel names it as the client (the emulation also refuses
 * such a connect, see {@code RefusingServers}). So is one from another run's process (named
 * {@link RefusingServers#RUN}): the emulation refuses such a connect only after it is made, and a
 * second thread of the program had its request queued in between, and deleted another run's policy.
 *
 * <p>It fails closed: a peer whose ancestry cannot be read (it exited, /proc is not readable) is
 * refused. The pid comes from SO_PEERCRED; a peer that exits and whose pid another process takes
 * before the check would be judged as that process, so the {@link ControlServer} asks after this
 * check whether the peer still holds its pid, and refuses it otherwise.
 */
public final class WorkloadPeers implements PeerGuard {

    /** Ancestor chains are short; a longer one is a loop or a race, and refused. */
    private static final int MAX_ANCESTORS = 1024;

    private final String runId;
    private final Supplier<Collection<Integer>> processes;
    private final RuntimeRoot root;
    private final long self;

    /**
     * @param runId this run's id, named in refusals
     * @param processes the thread-group ids this run supervises right now
     * @param root the runtime directory whose runs' supervisors are checked as tracers
     */
    public WorkloadPeers(String runId, Supplier<Collection<Integer>> processes, RuntimeRoot root) {
        this.runId = runId;
        this.processes = processes;
        this.root = root;
        this.self = ProcessHandle.current().pid();
    }

    @Override
    public Optional<String> refusal(long pid) {
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
        List<RunRecord> runs = null;
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
                    long tracerTgid = ProcessStatus.of(st.tracer()).tgid();
                    if (tracerTgid == self) {
                        return Optional.of(supervised(pid, runId));
                    }
                    if (runs == null) {
                        runs = root.live();
                    }
                    for (RunRecord r : runs) {
                        if (r.pid() == tracerTgid) {
                            return Optional.of(supervised(pid, r.id()));
                        }
                    }
                }
                p = st.ppid();
            }
            return Optional.empty();
        } catch (IOException | ControlException | RuntimeException e) {
            return Optional.of("refused: cannot tell whether pid " + pid + " is a supervised task (" + e.getMessage() + ")");
        }
    }

    private static String supervised(long pid, String run) {
        return "refused: the request comes from pid " + pid + ", a task supervised by run " + run
                + " (a supervised program may not change its own checks)";
    }
}
