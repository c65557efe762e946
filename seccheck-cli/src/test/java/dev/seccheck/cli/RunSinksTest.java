package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code seccheck run} hands its sinks and reads back from them, seen through the test-only
 * {@link WitnessSinkDescriptor witness} sink: every sink's setup knows the run's id (the kafka
 * sink keys its records by it), and the closing line counts what the sinks dropped when they
 * stopped (the kafka sink fails its still-buffered points then), not what they had dropped before.
 */
class RunSinksTest {
    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    private Path session(String dropped) throws Exception {
        return Files.writeString(tmp.resolve("s.json"), """
                {"name": "w", "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "witness", "config": {"file": "%s", "dropped_at_stop": %s}}]}"""
                .formatted(tmp.resolve("run-id"), dropped));
    }

    @Test
    void everySinkSetupOfARunKnowsTheRunsId() throws Exception {
        assertThat(Main.execute("run", "--root", tmp.resolve("root").toString(), "--id", "ci-job-42", "--quiet",
                "--config", session("0").toString(), "--", "/bin/true")).isZero();
        assertThat(Files.readString(tmp.resolve("run-id"))).isEqualTo("ci-job-42");
    }

    @Test
    void theClosingLineCountsWhatTheSinksDroppedWhenTheyStopped() throws Exception {
        assertThat(Main.execute("run", "--root", tmp.resolve("root").toString(), "--id", "ci-job-43",
                "--config", session("3").toString(), "--", "/bin/true")).isZero();
        assertThat(err.text().lines().filter(l -> l.contains("ended:")))
                .containsExactly("seccheck: run ci-job-43 ended: exit status 0; session \"w\" sink \"witness\" "
                        + "dropped 3 points");
    }
}
