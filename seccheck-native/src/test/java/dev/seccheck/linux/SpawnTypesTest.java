package dev.seccheck.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layouts of the types whose size we cannot read from a kernel header (glibc's opaque spawn
 * types and {@code sigset_t}) and of {@code seccomp_notif_addfd} agree with the C compiler of this
 * machine: a tiny C program prints {@code sizeof}, {@code _Alignof} and {@code offsetof}. Skipped
 * without gcc.
 */
class SpawnTypesTest {

    private static final String PROGRAM = """
            #include <spawn.h>
            #include <signal.h>
            #include <stddef.h>
            #include <stdio.h>
            #include <linux/seccomp.h>
            #define SIZE(t) printf(#t " %zu %zu\\n", sizeof(t), _Alignof(t))
            #define OFFSET(t, f) printf(#t "." #f " %zu\\n", offsetof(t, f))
            int main(void) {
                SIZE(posix_spawnattr_t);
                SIZE(posix_spawn_file_actions_t);
                SIZE(sigset_t);
                SIZE(struct seccomp_notif_addfd);
                OFFSET(struct seccomp_notif_addfd, flags);
                OFFSET(struct seccomp_notif_addfd, srcfd);
                OFFSET(struct seccomp_notif_addfd, newfd);
                OFFSET(struct seccomp_notif_addfd, newfd_flags);
                return 0;
            }
            """;

    @Test
    void layoutsMatchTheCCompiler(@TempDir Path dir) throws Exception {
        List<String> c = compileAndRun(dir);
        assertThat(c).containsExactly(
                size("posix_spawnattr_t", Layouts.POSIX_SPAWNATTR),
                size("posix_spawn_file_actions_t", Layouts.POSIX_SPAWN_FILE_ACTIONS),
                size("sigset_t", Layouts.SIGSET),
                size("struct seccomp_notif_addfd", Layouts.SECCOMP_NOTIF_ADDFD),
                offset("flags"), offset("srcfd"), offset("newfd"), offset("newfd_flags"));
    }

    private static String size(String type, MemoryLayout layout) {
        return type + " " + layout.byteSize() + " " + layout.byteAlignment();
    }

    private static String offset(String field) {
        return "struct seccomp_notif_addfd." + field + " "
                + Layouts.SECCOMP_NOTIF_ADDFD.byteOffset(groupElement(field));
    }

    private static List<String> compileAndRun(Path dir) throws Exception {
        Path gcc = Arrays.stream(Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator))
                .map(d -> Path.of(d, "gcc"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(gcc != null, "gcc not found on PATH: install gcc and libc6-dev to check the C layouts");
        Path source = Files.writeString(dir.resolve("sizes.c"), PROGRAM);
        Path binary = dir.resolve("sizes");
        run(List.of(gcc.toString(), "-o", binary.toString(), source.toString()), dir);
        return run(List.of(binary.toString()), dir).lines().toList();
    }

    /** Runs a command to its end (30 s at most) and returns its output; fails with the output if it fails. */
    private static String run(List<String> command, Path dir) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command.getFirst() + " did not end in 30 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s exit status; output:%n%s", command.getFirst(), output).isZero();
        return output;
    }
}
