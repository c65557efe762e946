package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.points.Catalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code seccheck exec} command whose execve fails after its release (an executable file the
 * kernel cannot load: ENOEXEC) exits 127 in glibc's spawned child, and glibc's posix_spawn reaps
 * that child itself, often before the tracer sees it end. The run must forget it all the same:
 * before, each such command left its entry in the task table for the rest of the run, so the
 * run's processes (what {@code trace procfs} lists, what a TERM to the run waits for and then
 * kills) named a pid that was gone, and could be another process's by then.
 */
class ExecReapedUnseenTest {

    private static final int EXECS = 20;

    @Test
    void failedExecsLeaveNoTaskBehind(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwx------"));
        Supervisor sup = new Supervisor(Supervised.onlyPoint(Catalog.standard().byName("syscall/openat/enter")
                .orElseThrow().point()), Catalog.standard(), "reaped", line -> {});
        Supervised.Background bg = Supervised.Background.start(sup, List.of("/bin/sleep", "120"));
        try {
            int root = bg.awaitStarted(20);
            for (int i = 0; i < EXECS; i++) {
                assertThatThrownBy(() -> sup.exec(List.of(garbage.toString()), List.of("PATH=/usr/bin:/bin"), "/",
                        new int[] {0, 1, 2}, pid -> { })).as("exec %d", i).isInstanceOf(SentryException.class)
                        .hasMessageContaining("cannot execute");
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sup.processes().size() > 1 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(sup.processes()).as("the run's processes after %d failed execs", EXECS).containsExactly(root);
        } finally {
            sup.signal(9);
            bg.finish(30);
        }
    }
}
