package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StuckReads tells a process serving a FUSE filesystem by the device it holds (10:229), not by
 * the name the device was opened through. Needs root and /dev/fuse (mknod, and the device's open).
 */
class StuckReadsTest {

    @TempDir
    Path dir;

    /**
     * A process holding the FUSE device through a node it made itself (its {@code /proc/PID/fd}
     * link names that node) serves a filesystem; one holding {@code /dev/null} does not. Before,
     * a link reading {@code /dev/fuse} was looked for, and the first went unseen.
     */
    @Test
    void aFuseDeviceOpenedThroughANodeOfItsOwnIsSeen() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        Path node = dir.resolve("not-fuse");
        assertThat(new ProcessBuilder("mknod", node.toString(), "c", "10", "229").start().waitFor()).isZero();
        Process fuse = new ProcessBuilder("/bin/sh", "-c", "exec sleep 30 3<>'" + node + "'").start();
        Process other = new ProcessBuilder("/bin/sh", "-c", "exec sleep 30 3</dev/null").start();
        try {
            PathCalls calls = new PathCalls();
            // The shell's redirection is made before the exec: wait for the sleep to hold it.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!StuckReads.servesAFilesystem(calls, (int) fuse.pid()) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(StuckReads.servesAFilesystem(calls, (int) fuse.pid())).isTrue();
            assertThat(StuckReads.servesAFilesystem(calls, (int) other.pid())).isFalse();
        } finally {
            fuse.destroyForcibly().waitFor();
            other.destroyForcibly().waitFor();
        }
    }
}
