package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TERM sent to {@code seccheck run} reaches the program, which decides how the run ends; and the
 * forwarding leaves no thread blocked in a native call when seccheck exits.
 */
class SignalForwardingTest {

    /**
     * HotSpot's VM exit waits up to 300 ms for any thread in a native call, so a QUIT reader still
     * blocked in read(2) added 300 ms to every {@code seccheck run} and {@code exec}
     * (BENCHMARKS.md, start-up). Main releases it before System.exit.
     */
    @Test
    void releaseEndsTheQuitReaderBlockedInItsNativeRead() throws Exception {
        // A run started in this JVM by an earlier test may have installed the reader already: a
        // process has one, which this install starts or keeps.
        SignalForwarding.install(List.of("QUIT"), c -> {});
        assertThat(quitReaders()).as("QUIT readers").hasSize(1);
        Thread reader = quitReaders().iterator().next();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reader.getState() != Thread.State.RUNNABLE && System.nanoTime() < deadline) {
            Thread.sleep(5); // a thread in a native call shows RUNNABLE
        }
        assertThat(reader.isAlive()).as("the reader waits for a signal").isTrue();

        SignalForwarding.release();

        assertThat(reader.isAlive()).as("the QUIT reader ended").isFalse();
    }

    /**
     * A second install in the same JVM (another run, as tests make in one JVM) keeps the one QUIT
     * reader and sends QUIT to its own callback; release then leaves no reader. Before, each
     * install started a reader of its own pipe, and every earlier one stayed blocked for good.
     */
    @Test
    void aSecondInstallKeepsOneQuitReaderWhichTheLatestCallbackGets() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> first = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Integer> second = new java.util.concurrent.CompletableFuture<>();
        SignalForwarding.install(List.of("QUIT"), c -> first.complete(c.signal()));
        SignalForwarding.install(List.of("QUIT"), c -> second.complete(c.signal()));
        assertThat(quitReaders()).as("QUIT readers").hasSize(1);
        dev.seccheck.linux.Signals.kill((int) ProcessHandle.current().pid(), 3);
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(first).isNotDone();
        SignalForwarding.release();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!quitReaders().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(quitReaders()).as("QUIT readers after release").isEmpty();
    }

    private static Set<Thread> quitReaders() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("seccheck-signals") && t.isAlive()).collect(Collectors.toSet());
    }

    @TempDir
    Path tmp;

    @Test
    void termSentToSeccheckIsHandledByTheProgram() throws Exception {
        Path ready = tmp.resolve("ready");
        // The program traps TERM and exits 7: seccheck exits 7 only if the signal was forwarded;
        // a JVM ended by the signal itself would exit 143.
        Process run = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--root", tmp.resolve("root").toString(), "--quiet", "--",
                "sh", "-c", "trap 'exit 7' TERM; touch " + ready + "; while :; do sleep 0.1; done"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready)) {
                assertThat(run.isAlive()).as("seccheck run alive: %s", Files.readString(tmp.resolve("out"))).isTrue();
                assertThat(System.nanoTime() - deadline).as("the program started within 60 s").isNegative();
                Thread.sleep(20);
            }
            run.destroy(); // SIGTERM to the JVM running seccheck
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("seccheck ended within 30 s of TERM").isTrue();
            assertThat(run.exitValue()).as("exit status; output: %s", Files.readString(tmp.resolve("out"))).isEqualTo(7);
        } finally {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
