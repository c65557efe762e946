package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CpuHandover narrows a task's CPU mask to the calling thread's CPU for one hand-over and puts it
 * back, leaving the calling thread's own mask alone: never a mask with one CPU, never over a mask
 * the task was given meanwhile.
 */
class CpuHandoverTest {

    private final CpuHandover handover = new CpuHandover();
    private Process child;

    @BeforeEach
    void twoCpus() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "narrowing needs two CPUs");
    }

    @AfterEach
    void stop() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private int start(String... command) throws Exception {
        child = new ProcessBuilder(command).start();
        return (int) child.pid();
    }

    private static String cpus(int pid) throws Exception {
        return cpusAllowed(Path.of("/proc/" + pid + "/status"));
    }

    private static String ownCpus() throws Exception {
        return cpusAllowed(Path.of("/proc/thread-self/status"));
    }

    private static String cpusAllowed(Path status) throws Exception {
        return Files.readAllLines(status).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                .substring("Cpus_allowed_list:".length()).trim();
    }

    private static void taskset(String cpus, int pid) throws Exception {
        Process p = new ProcessBuilder(List.of("taskset", "-pc", cpus, Integer.toString(pid)))
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as("taskset -pc %s %d", cpus, pid).isZero();
    }

    @Test
    void theTasksMaskIsNarrowedToThisThreadsCpuAndPutBack() throws Exception {
        int pid = start("sleep", "30");
        String before = cpus(pid);
        String own = ownCpus();
        assertThat(handover.hold(pid)).isTrue();
        String one = cpus(pid);
        assertThat(one).matches("\\d+");
        assertThat(ownCpus()).as("this thread's mask, left alone").isEqualTo(own);
        handover.release();
        assertThat(cpus(pid)).isEqualTo(before);
        assertThat(ownCpus()).isEqualTo(own);
    }


    @Test
    void aMaskTheTaskWasGivenMeanwhileIsKept() throws Exception {
        int pid = start("sleep", "30");
        String own = ownCpus();
        assertThat(handover.hold(pid)).isTrue();
        // Another CPU than the held one: a mask set to the very one held cannot be told from it.
        String other = cpus(pid).equals("0") ? "1" : "0";
        taskset(other, pid);
        handover.release();
        assertThat(cpus(pid)).isEqualTo(other);
        assertThat(ownCpus()).isEqualTo(own);
    }

    @Test
    void aTaskOnOneCpuIsLeftAlone() throws Exception {
        int pid = start("taskset", "-c", "1", "sleep", "30");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep")) { // taskset execs sleep
            assertThat(System.nanoTime()).as("taskset ran sleep").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(handover.hold(pid)).isFalse();
        assertThat(cpus(pid)).isEqualTo("1");
    }

    @Test
    void aTaskThatIsGoneIsNotHeld() throws Exception {
        int pid = start("true");
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handover.hold(pid)).isFalse();
    }
}
