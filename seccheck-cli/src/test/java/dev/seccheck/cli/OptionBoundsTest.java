package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option values that were taken and then meant something the operator did not ask for (the
 * option fuzz of the seventh red-team round): each is now refused before anything starts, with a
 * line naming the option, and nothing is created.
 */
class OptionBoundsTest {
    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path dir;

    /** {@code --timeout 1e-12} rounded to a wait of none: every run "did not answer". */
    @Test
    void aTimeoutBelowAMillisecondIsRefused() {
        assertThat(Main.execute("list", "--root", dir.toString(), "--timeout", "1e-12")).isEqualTo(1);
        assertThat(err.text()).contains("--timeout 1.0E-12: must be at least 0.001 and at most 86400 seconds");
    }

    /** {@code --idle-timeout 1ns} read as 0, which means never. */
    @Test
    void anIdleTimeoutThatRoundsToNothingIsRefused() throws Exception {
        Path sock = dir.resolve("s.sock");
        assertThat(Main.execute("server", "--endpoint", sock.toString(), "--idle-timeout", "1ns")).isEqualTo(2);
        assertThat(err.text()).contains("--idle-timeout: must be 0 (never) or at least 1ms, got 1ns");
        assertThat(sock).doesNotExist();
    }

    /** {@code --kafka-property =x} passed a property with no name to the consumer. */
    @Test
    void aKafkaPropertyWithoutAKeyIsRefused() {
        assertThat(Main.execute("server", "--kafka", "127.0.0.1:9", "--topic", "t", "--kafka-property", "=x"))
                .isEqualTo(2);
        assertThat(err.text()).contains("--kafka-property: KEY=VALUE needs a key, got \"=x\"");
    }

    /** {@code tracereplay save --out ""} wrote the trace files into the current directory. */
    @Test
    void anEmptyOutputDirectoryIsRefused() throws Exception {
        Path sock = dir.resolve("s.sock");
        assertThat(Main.execute("tracereplay", "save", "--endpoint", sock.toString(), "--out", "")).isEqualTo(1);
        assertThat(err.text()).contains("--out: needs a directory, got an empty path");
        assertThat(sock).doesNotExist();
        try (var files = Files.list(Path.of(""))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("client-"));
        }
    }
}
