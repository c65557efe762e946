package dev.seccheck.sentry.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.SyscallSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CWorkloadsTest {

    private record Run(int exitCode, String output) {}

    private static Run run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void everySyscallReportsEachOfThe54SyscallsAndExitsZero(@TempDir Path scratch) throws Exception {
        Run r = run(CWorkloads.everySyscall().toString(), scratch.toString());
        assertThat(r.output()).endsWith("every_syscall: done\n").doesNotContain("FAILED");
        assertThat(r.exitCode()).isZero();
        List<String> lines = Arrays.asList(r.output().split("\n"));
        for (SyscallSchema s : SyscallSchema.ALL) {
            assertThat(lines).as("a step for " + s.name()).anyMatch(l -> l.startsWith(s.name() + " = "));
        }
        assertThat(scratch.resolve("file.txt")).exists();
        assertThat(scratch.resolve("sock")).as("the socket is cleaned up").doesNotExist();
    }

    @Test
    void everySyscallWithoutScratchDirExplainsUsage() throws Exception {
        Run r = run(CWorkloads.everySyscall().toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).isEqualTo("usage: every_syscall SCRATCH_DIR\n");
    }

    @Test
    void everySyscallFailsVisiblyInAMissingDirectory(@TempDir Path scratch) throws Exception {
        Run r = run(CWorkloads.everySyscall().toString(), scratch.resolve("missing").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).startsWith("chdir = -1 (No such file or directory) FAILED");
    }

    @Test
    void binaryIsBuiltOnceAndReused() throws IOException {
        Path first = CWorkloads.everySyscall();
        assertThat(Files.isExecutable(first)).isTrue();
        assertThat(CWorkloads.everySyscall()).isSameAs(first);
    }

    @Test
    void unknownWorkloadNamesTheMissingSource() {
        assertThatThrownBy(() -> CWorkloads.binary("no_such_workload"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("no C workload no_such_workload: ")
            .hasMessageEndingWith("src/test/c/no_such_workload.c does not exist");
    }
}
