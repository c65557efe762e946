package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.seccheck.linux.RefusingServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which processes may control a run: not its workload, nor anything descended from it. */
class WorkloadPeersTest {

    @TempDir
    Path tmp;

    @Test
    void refusesASupervisedTaskAndItsDescendantsButNotTheOperator() throws Exception {
        Process sh = new ProcessBuilder("sh", "-c", "sleep 30 & wait").start();
        try {
            long child = awaitChild(sh.pid());
            WorkloadPeers guard = new WorkloadPeers("w1", () -> List.of((int) sh.pid()));

            assertThat(guard.refusal(sh.pid())).contains("refused: the request comes from pid " + sh.pid()
                    + ", a task supervised by run w1 (a supervised program may not change its own checks)");
            assertThat(guard.refusal(child)).contains("refused: the request comes from pid " + child
                    + ", a task supervised by run w1 (a supervised program may not change its own checks)");
            long operator = ProcessHandle.current().parent().orElseThrow().pid(); // not supervised, nor the run
            assertThat(guard.refusal(operator)).isEmpty();
        } finally {
            sh.descendants().forEach(ProcessHandle::destroyForcibly);
            sh.destroyForcibly();
            sh.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPeerThatIsGoneIsRefusedNotTrusted() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        WorkloadPeers guard = new WorkloadPeers("w1", List::of);

        Optional<String> r = guard.refusal(p.pid());

        assertThat(r).hasValueSatisfying(m -> assertThat(m).startsWith("refused: cannot tell whether pid " + p.pid()
                + " is a supervised task"));
    }

    /** The run never asks itself: a request from its own pid is a connect it made for its program. */
    @Test
    void aRequestFromTheRunsOwnProcessIsRefused() {
        WorkloadPeers guard = new WorkloadPeers("w1", List::of);

        Optional<String> r = guard.refusal(ProcessHandle.current().pid());

        assertThat(r).hasValueSatisfying(m -> assertThat(m).startsWith("refused: the request comes from this run's own process"));
    }

    /**
     * Another run's supervisor is the client the kernel names for a connect that run made for its
     * program; it refused the connect only after making it, and a second thread of its program had
     * a session_delete queued in between, which deleted this run's policy. No run asks another.
     */
    @Test
    void aRequestFromAnotherRunsProcessIsRefused() throws Exception {
        Process other = new ProcessBuilder("sh", "-c", "printf seccheck-run > /proc/self/comm && sleep 30").start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
            while (!java.nio.file.Files.readString(Path.of("/proc/" + other.pid() + "/comm")).equals("seccheck-run\n")) {
                assertThat(Instant.now()).as("the process named").isBefore(deadline);
                Thread.sleep(10);
            }
            WorkloadPeers guard = new WorkloadPeers("w1", List::of);

            Optional<String> r = guard.refusal(other.pid());

            assertThat(r).hasValueSatisfying(m -> assertThat(m).startsWith("refused: the request comes from pid "
                    + other.pid() + ", another run's supervisor"));
        } finally {
            other.descendants().forEach(ProcessHandle::destroyForcibly);
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A task of another run is told by its tracer's name, which only that process can change, not
     * by the runs' files (which the program can write) nor by the runtime directory (which another
     * run need not share): here the tracer is strace under the name {@code seccheck-run}. Its
     * tracee and the tracee's child are refused.
     */
    @Test
    void aTaskPtracedByAnotherRunIsRefusedWhereverThatRunKeepsItsDirectory() throws Exception {
        Path renamed = Files.copy(strace(), tmp.resolve(RefusingServers.RUN));
        Files.setPosixFilePermissions(renamed, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process run = straced(renamed);
        try {
            long[] pids = awaitPids(run);
            WorkloadPeers guard = new WorkloadPeers("w1", List::of);

            assertThat(guard.refusal(pids[0])).contains("refused: the request comes from pid " + pids[0]
                    + ", a task supervised by another seccheck run, pid " + run.pid()
                    + " (a supervised program may not change the checks of any run)");
            assertThat(guard.refusal(pids[1])).hasValueSatisfying(m -> assertThat(m).startsWith(
                    "refused: the request comes from pid " + pids[1] + ", a task supervised by another seccheck run"));
        } finally {
            end(run);
        }
    }

    /** The operator's debugging tools ptrace too: a process traced by {@code strace -f} is served. */
    @Test
    void aProcessPtracedByTheOperatorsStraceIsServed() throws Exception {
        Process run = straced(strace());
        try {
            long[] pids = awaitPids(run);
            WorkloadPeers guard = new WorkloadPeers("w1", List::of);

            assertThat(guard.refusal(pids[0])).isEmpty();
            assertThat(guard.refusal(pids[1])).isEmpty();
        } finally {
            end(run);
        }
    }

    private static Path strace() {
        Path strace = Path.of("/usr/bin/strace");
        assumeThat(strace).as("strace").isExecutable();
        return strace;
    }

    /**
     * {@code tracer -f} of a shell that writes its pid and its child's to {@code pids} (strace's
     * own children are not asked for: it forks short-lived ones to probe the kernel).
     */
    private Process straced(Path tracer) throws Exception {
        return new ProcessBuilder(tracer.toString(), "-f", "-o", "/dev/null", "sh", "-c",
                "sleep 30 & echo $$ $! > pids.tmp && mv pids.tmp pids && wait")
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("straced.out").toFile())
                .start();
    }

    /** The shell's pid and its child's, from {@link #straced}'s file. */
    private long[] awaitPids(Process run) throws Exception {
        Path pids = tmp.resolve("pids");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (!Files.exists(pids)) {
            assertThat(Instant.now()).as(Files.readString(tmp.resolve("straced.out"))).isBefore(deadline);
            Thread.sleep(10);
        }
        String[] both = Files.readString(pids).strip().split(" ");
        return new long[] {Long.parseLong(both[0]), Long.parseLong(both[1])};
    }

    private static void end(Process run) throws InterruptedException {
        run.descendants().forEach(ProcessHandle::destroyForcibly);
        run.destroyForcibly();
        run.waitFor(10, TimeUnit.SECONDS);
    }

    /** SO_PEERCRED names a process of a pid namespace above the run's as pid 0: unknown, so refused. */
    @Test
    void aPeerTheKernelGivesNoPidForIsRefused() {
        assertThat(new WorkloadPeers("w1", List::of).refusal(0)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("refused: the kernel names no process for this connection"));
    }

    private static long awaitChild(long pid) throws Exception {
        return awaitChild(pid, null);
    }

    /** The first child of {@code pid}, waited for 10 s; {@code log} is what the test's process printed, for the failure. */
    private static long awaitChild(long pid, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Optional<ProcessHandle> c = ProcessHandle.of(pid).flatMap(h -> h.children().findFirst());
            if (c.isPresent()) {
                return c.get().pid();
            }
            Thread.sleep(10);
        }
        StringBuilder diag = new StringBuilder();
        try (var ds = Files.list(Path.of("/proc"))) {
            for (Path d : ds.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String st = Files.readString(d.resolve("status"));
                    if (st.contains("\nPPid:\t" + pid + "\n") || d.getFileName().toString().equals(Long.toString(pid))) {
                        diag.append(d).append(": ").append(st.lines().filter(l -> l.startsWith("Name") || l.startsWith("State")
                                || l.startsWith("PPid") || l.startsWith("TracerPid")).toList()).append(" wchan=")
                                .append(Files.readString(d.resolve("wchan"))).append('\n');
                    }
                } catch (java.io.IOException e) {
                    // gone
                }
            }
        }
        throw new AssertionError("pid " + pid + " started no child within 10 s: " + diag
                + (log != null && Files.exists(log) ? ": " + Files.readString(log) : ""));
    }
}
