package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exec shield's kill of a process_vm_readv caller that did not leave its call in time reaches
 * that caller, never a process that took its number after it ended. A thread of the program reads
 * the program's child once and exits; a busy process outside the run takes its number
 * ({@link PidHandoff}); then the child executes, an exec a sink decides
 * ({@code memory_reader_reuse.c}, after the red team's {@code mr.c}). Before, seccheck still held
 * the thread's record, found the number "running" in /proc, and SIGKILLed the outside process
 * after the exec's wait (every time, as root and as uid 65534).
 */
class MemoryReaderReuseTest {

    /** Spins on the CPU, so that /proc/PID/syscall says "running", as a caller on its way to its call would. */
    private static final String BUSY = "sh -c 'while :; do :; done'";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProcessThatTookAnEndedCallersNumberSurvivesTheExecItsCallWasAimedAt(boolean nobody) throws Exception {
        PidHandoff.assumeRoot();
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path program = CPrograms.compile("src/test/c/memory_reader_reuse.c", tmp, "-pthread");
        Path handoff = Files.createDirectory(tmp.resolve("handoff"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(handoff, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "shield",
                 "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"prefix": "%s/"}}, "action": "deny"}]}}]}"""
                .formatted(tmp.resolve("kept")));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Path log = tmp.resolve("run.out");
        String run = PackagedCli.run(tmp, nobody, config, List.of(program.toString(), handoff.toString())).stream()
                .map(MemoryReaderReuseTest::quoted).collect(Collectors.joining(" "));
        String outside = nobody ? String.join(" ", PackagedCli.nobody(BUSY)) : BUSY;

        String out = PidHandoff.run(handoff, List.of(run + " > " + log + " 2>&1 &", "run=$!"), outside,
                List.of("kill $o; wait $o; echo \"outside status=$?\""), 120);

        String trail = Files.readString(log);
        // 143: alive until the harness's SIGTERM; 137 had seccheck SIGKILLed it.
        assertThat(out).as(out + trail).contains("outside status=143");
        assertThat(trail).as(trail).contains("child status 0").doesNotContain("killed task");
    }

    private static String quoted(String arg) {
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
