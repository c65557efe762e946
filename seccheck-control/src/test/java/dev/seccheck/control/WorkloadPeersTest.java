package dev.seccheck.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
            WorkloadPeers guard = new WorkloadPeers("w1", () -> List.of((int) sh.pid()), new RuntimeRoot(tmp.resolve("root")));

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
        WorkloadPeers guard = new WorkloadPeers("w1", List::of, new RuntimeRoot(tmp.resolve("root")));

        Optional<String> r = guard.refusal(p.pid());

        assertThat(r).hasValueSatisfying(m -> assertThat(m).startsWith("refused: cannot tell whether pid " + p.pid()
                + " is a supervised task"));
    }

    /** The run never asks itself: a request from its own pid is a connect it made for its program. */
    @Test
    void aRequestFromTheRunsOwnProcessIsRefused() {
        WorkloadPeers guard = new WorkloadPeers("w1", List::of, new RuntimeRoot(tmp.resolve("root")));

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
            WorkloadPeers guard = new WorkloadPeers("w1", List::of, new RuntimeRoot(tmp.resolve("root")));

            Optional<String> r = guard.refusal(other.pid());

            assertThat(r).hasValueSatisfying(m -> assertThat(m).startsWith("refused: the request comes from pid "
                    + other.pid() + ", another run's supervisor"));
        } finally {
            other.descendants().forEach(ProcessHandle::destroyForcibly);
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long awaitChild(long pid) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Optional<ProcessHandle> c = ProcessHandle.of(pid).flatMap(h -> h.children().findFirst());
            if (c.isPresent()) {
                return c.get().pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("sh -c 'sleep 30 & wait' started no child within 10 s");
    }
}
