package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * PidHandoff gives the pid a supervised program's child left to a process outside the run, as a
 * program that cycles the pids would wait for one of its user's processes to take it: the test's
 * harness runs in a pid namespace of its own, where it sets the next pid
 * ({@code /proc/sys/kernel/ns_last_pid}) and starts a {@code sleep} (or another outside command).
 * The program writes its exited child's (or thread's) pid to {@code <handoff>/child} and waits for
 * {@code <handoff>/go}. Needs root.
 */
final class PidHandoff {
    private PidHandoff() {}

    /** Skips the test unless it runs as root. */
    static void assumeRoot() {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0,
                "setting the next pid of a pid namespace needs root");
    }

    /**
     * The harness's lines that wait for the child's pid in {@code handoff}, give it to a
     * {@code sleep}, say {@code outside=PID child=PID} and let the program go.
     */
    private static List<String> handOver(Path handoff, String outside) {
        return List.of(
                "i=0; while [ ! -s " + handoff + "/child ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done",
                "x=$(cat " + handoff + "/child)",
                // The next pid the namespace gives out is x: the run's own threads may take it first, so a few tries.
                "for try in 1 2 3 4 5 6 7 8; do echo $((x - 1)) > /proc/sys/kernel/ns_last_pid; " + outside + " & o=$!;"
                        + " [ \"$o\" = \"$x\" ] && break; kill $o; done",
                "echo \"outside=$o child=$x\"",
                ": > " + handoff + "/go");
    }

    /**
     * Runs the harness lines {@code before}, {@link #handOver}, then {@code wait $run} (the
     * lines must start the run in the background as {@code run}) in a pid namespace of their own,
     * and checks that the outside process took the child's pid and the run ended well.
     */
    static void run(Path handoff, List<String> before, int timeoutSeconds) throws Exception {
        run(handoff, before, "sleep 120", List.of(), timeoutSeconds);
    }

    /**
     * As {@link #run(Path, List, int)}, with {@code outside} (a shell command) as the process
     * outside the run, and the harness lines {@code after} run once the run ended (the outside
     * process is {@code $o}); returns the harness's output.
     */
    static String run(Path handoff, List<String> before, String outside, List<String> after, int timeoutSeconds)
            throws Exception {
        List<String> lines = new ArrayList<>(before);
        lines.addAll(handOver(handoff, outside));
        lines.add("wait $run; echo status=$?");
        lines.addAll(after);
        // The namespace's first process is the harness: when it ends, every process left in it ends too.
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", String.join("\n", lines))
                .redirectErrorStream(true).start();
        String out;
        try {
            assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("the harness to end").isTrue();
        } finally {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.destroyForcibly();
        }
        assertThat(out).as(out).containsPattern("outside=(\\d+) child=\\1\\n").contains("status=0");
        return out;
    }
}
