package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.testing.CWorkloads;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MountTypes tells a file's mount local without asking its filesystem: only then does the tracer look at it itself. */
class MountTypesTest {

    @Test
    void onlyLocalTypesAreTakenNotToBlock() {
        assertThat(MountTypes.LOCAL).contains("ext4", "tmpfs", "proc", "cgroup2", "overlay");
        assertThat(MountTypes.LOCAL).doesNotContain("fuse.sshfs", "fuse", "nfs4", "autofs", "somethingnew");
    }

    /**
     * With a FUSE filesystem mounted (its server answers nothing but the handshake and its root's
     * attributes), a file on a local mount is told local through its /proc link without a request
     * to the server, and the FUSE root is told not local. Needs root
     * and /dev/fuse (src/test/c/fuse_hang.c --idle).
     */
    @Test
    void aMagicLinkTellsItsMountWithoutAskingTheFilesystem(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse"))
                && "root".equals(System.getProperty("user.name")), "needs root and /dev/fuse");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Process server = new ProcessBuilder(CWorkloads.binary("fuse_hang").toString(), "--idle",
                mnt.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new BufferedReader(new InputStreamReader(server.getInputStream())).readLine())
                    .isEqualTo("mounted");
            MountTypes m = new MountTypes();
            int self = (int) ProcessHandle.current().pid();
            assertThat(m.onLocalMount(self, "/proc/self/exe")).as("the JVM's binary").isTrue();
            PathCalls calls = new PathCalls();
            int root = calls.openat(Fcntl.AT_FDCWD, mnt.toString(),
                    Fcntl.O_PATH | Fcntl.O_CLOEXEC);
            assertThat(root).isNotNegative();
            try {
                assertThat(m.onLocalMount(self, "/proc/self/fd/" + root)).as("the FUSE root").isFalse();
            } finally {
                PathCalls.close(root);
            }
        } finally {
            server.destroyForcibly().waitFor();
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }
}
