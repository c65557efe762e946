package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.testing.CWorkloads;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MountTypes reads a mountinfo's filesystem types: only the local ones let the tracer look at files itself. */
class MountTypesTest {

    private static List<String> types(String... types) {
        return List.of(types);
    }

    @Test
    void onlyLocalTypesAreTakenNotToBlock() {
        assertThat(MountTypes.blocking(types("ext4", "tmpfs", "proc", "cgroup2", "overlay"))).isFalse();
        assertThat(MountTypes.blocking(types("ext4", "fuse.sshfs"))).isTrue();
        assertThat(MountTypes.blocking(types("ext4", "fuse"))).isTrue();
        assertThat(MountTypes.blocking(types("nfs4"))).isTrue();
        assertThat(MountTypes.blocking(types("autofs"))).isTrue();
        assertThat(MountTypes.blocking(types("somethingnew"))).as("an unknown type").isTrue();
    }

    @Test
    void thisTasksNamespaceIsReadAndAnsweredAgainFromTheWatch() {
        MountTypes m = new MountTypes();
        int self = (int) ProcessHandle.current().pid();
        boolean first = m.mayBlock(self);
        assertThat(m.mayBlock(self)).isEqualTo(first);
        assertThat(m.mayBlock(Integer.MAX_VALUE)).as("a task that is gone").isTrue();
    }

    /**
     * With a FUSE filesystem mounted (its server answers nothing but the handshake and its root's
     * attributes), the namespace may block, yet a file on a local mount is told local through its
     * /proc link without a request to the server, and the FUSE root is told not local. Needs root
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
            assertThat(m.mayBlock(self)).isTrue();
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
