package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A thread that read its own process's memory (process_vm_readv, as crash handlers and unwinders
 * probe it) is not killed when another thread of that process executes a program a sink decides
 * ({@code memory_reader_self.c}). The exec ends every other thread of the process before it maps
 * the new program, so no call of theirs can read it, and the exec shield does not wait for them.
 * Before, the reader, computing ("running" in /proc) when its process executed, was taken for
 * one still on its way to its call and SIGKILLed, and the whole process with it (a red team's
 * {@code mr_self.c}: 5 of 5 runs, as root and as uid 65534; natively the exec succeeds).
 */
class SelfReaderAtExecTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aThreadThatReadItsOwnProcessSurvivesThatProcessExec(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path program = CPrograms.compile("src/test/c/memory_reader_self.c", tmp, "-pthread");
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "shield",
                 "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"prefix": "%s/"}}, "action": "deny"}]}}]}"""
                .formatted(tmp.resolve("kept")));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        for (int round = 0; round < 3; round++) {
            PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(
                    PackagedCli.run(tmp, nobody, config, List.of(program.toString()))), tmp, Duration.ofSeconds(60));
            assertThat(r.out()).as("round %d: %s", round, r.err()).contains("exec ok");
            assertThat(r.err()).as("round %d", round).doesNotContain("killed task");
            assertThat(r.status()).as(r.err()).isZero();
        }
    }
}
